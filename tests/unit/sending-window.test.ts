import { describe, expect, it } from 'vitest';
import { nextSendingWindowOpening } from '@shared/domain/sending-window';

describe('nextSendingWindowOpening', () => {
  const w = { hours: '08:00-18:00', blockedDays: [] as string[], utcOffsetMinutes: 0 };
  // 2026-12-02 is a Wednesday.
  it('is now inside the window', () => {
    const at = new Date('2026-12-02T09:30:00.000Z');
    expect(nextSendingWindowOpening(at, w)).toEqual(at);
  });
  it('is today at the start before it, tomorrow after it', () => {
    expect(nextSendingWindowOpening(new Date('2026-12-02T03:00:00.000Z'), w)?.toISOString()).toBe(
      '2026-12-02T08:00:00.000Z',
    );
    expect(nextSendingWindowOpening(new Date('2026-12-02T18:00:00.000Z'), w)?.toISOString()).toBe(
      '2026-12-03T08:00:00.000Z',
    );
  });
  it('skips blocked days and honours the offset', () => {
    const weekend = { hours: '09:00-17:00', blockedDays: ['thu', 'fri', 'sat'], utcOffsetMinutes: 180 };
    // Wednesday 20:00 local (17:00 UTC): Thursday to Saturday are blocked, Sunday 09:00 local = 06:00 UTC.
    expect(nextSendingWindowOpening(new Date('2026-12-02T17:00:00.000Z'), weekend)?.toISOString()).toBe(
      '2026-12-06T06:00:00.000Z',
    );
  });
  it('is null when every day is blocked', () => {
    const never = { ...w, blockedDays: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] };
    expect(nextSendingWindowOpening(new Date('2026-12-02T03:00:00.000Z'), never)).toBeNull();
  });
});
