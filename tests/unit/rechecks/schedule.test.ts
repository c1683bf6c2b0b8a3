import { describe, expect, it } from 'vitest';
import {
  nextCheckDueMs,
  outcomeOfCheck,
  removalConfirmed,
  removedRun,
} from '@core/rechecks/recheck-schedule';
import type { PastCheck } from '@core/rechecks/recheck-schedule';
import { proposeRenotice } from '@core/rechecks/renotice';
import { DEFAULT_RECHECK_SETTINGS as S } from '@shared/domain/recheck';
import type { RecheckClassification } from '@shared/domain/recheck';

const H = 3_600_000;
const M = 60_000;
const at = (ms: number, classification: RecheckClassification): PastCheck => ({ atMs: ms, classification });

describe('re-check schedule', () => {
  it('checks first after 1 h, every 4 h for 2 days, then daily', () => {
    expect(nextCheckDueMs(0, [], S)).toBe(H);
    expect(nextCheckDueMs(0, [at(H, 'still_there')], S)).toBe(5 * H);
    expect(nextCheckDueMs(0, [at(48 * H, 'still_there')], S)).toBe(52 * H);
    expect(nextCheckDueMs(0, [at(49 * H, 'still_there')], S)).toBe(73 * H);
  });

  it('needs three removed checks in a row, at least 3 min apart, and confirms once', () => {
    const h: PastCheck[] = [at(H, 'still_there'), at(2 * H, 'removed')];
    expect(removedRun(h, S)).toBe(1);
    // The confirming checks come as soon as the spacing allows.
    expect(nextCheckDueMs(0, h, S)).toBe(2 * H + 3 * M);
    h.push(at(2 * H + 1 * M, 'removed')); // too close: does not count
    expect(removedRun(h, S)).toBe(1);
    h.push(at(2 * H + 4 * M, 'removed'));
    expect(removedRun(h, S)).toBe(2);
    expect(outcomeOfCheck(h, S, false)).toBe('none');
    h.push(at(2 * H + 7 * M, 'removed'));
    expect(removalConfirmed(h, S)).toBe(true);
    expect(outcomeOfCheck(h, S, false)).toBe('confirm_removed');
    h.push(at(3 * H, 'removed'));
    expect(outcomeOfCheck(h, S, false)).toBe('none');
    // A check that is not "removed" breaks the run.
    expect(removedRun([...h, at(4 * H, 'unreachable')], S)).toBe(0);
  });

  it('sees a page that is back after removal and a change to capture', () => {
    expect(outcomeOfCheck([at(H, 'still_there')], S, true)).toBe('reappeared');
    expect(outcomeOfCheck([at(H, 'still_there')], S, false)).toBe('none');
    expect(outcomeOfCheck([at(H, 'changed')], S, false)).toBe('changed');
    expect(outcomeOfCheck([at(H, 'changed')], S, true)).toBe('changed');
    expect(outcomeOfCheck([at(H, 'removed')], S, true)).toBe('none');
  });
});

describe('re-notice proposals', () => {
  const base = {
    lastActivityMs: 0,
    deadlineSeconds: 86_400,
    maxReminders: 2,
    level: 'host',
    awaitingAnswer: true,
  } as const;
  it('proposes reminders after the deadline, then escalation up the chain', () => {
    expect(proposeRenotice(23 * H, { ...base, remindersSent: 0 })).toBeNull();
    expect(proposeRenotice(24 * H, { ...base, remindersSent: 0 })).toEqual({
      kind: 'reminder',
      number: 1,
      dueSinceMs: 24 * H,
    });
    expect(proposeRenotice(25 * H, { ...base, remindersSent: 2 })).toMatchObject({
      kind: 'escalate',
      to: 'registrar',
    });
    expect(proposeRenotice(25 * H, { ...base, remindersSent: 2, level: 'registrar' })).toMatchObject({
      to: 'authority',
    });
    expect(proposeRenotice(25 * H, { ...base, remindersSent: 2, level: 'authority' })?.kind).toBe(
      'exhausted',
    );
    expect(proposeRenotice(99 * H, { ...base, remindersSent: 0, awaitingAnswer: false })).toBeNull();
  });
});
