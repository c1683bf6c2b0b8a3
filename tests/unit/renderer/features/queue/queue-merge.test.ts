import { describe, expect, it } from 'vitest';
import { mergeProgress } from '@renderer/features/queue/queue-merge';
import type { QueueItem } from '@shared/contract/methods/capture';

describe('queue progress merge', () => {
  const item: QueueItem = {
    resourceId: 'res_0123456789ab' as QueueItem['resourceId'],
    url: 'https://a.test/',
    captureId: 'cap_0123456789ab' as QueueItem['captureId'],
    stage: 'navigate',
    status: 'running',
    elapsedMs: 100,
    warnings: [],
  };
  const event = {
    captureId: 'cap_0123456789ab',
    resourceId: 'res_0123456789ab',
    url: 'https://a.test/',
    stage: 'snapshot' as const,
    status: 'running' as const,
    elapsedMs: 900,
    warnings: [{ code: 'w', message: 'm' }],
  };

  it('applies a newer event for the same capture', () => {
    const [merged] = mergeProgress([item], new Map([[event.resourceId, event]]));
    expect(merged?.stage).toBe('snapshot');
    expect(merged?.warnings).toHaveLength(1);
  });

  it('keeps a snapshot that is newer than the event', () => {
    const [merged] = mergeProgress([{ ...item, elapsedMs: 2000 }], new Map([[event.resourceId, event]]));
    expect(merged?.stage).toBe('navigate');
  });

  it('appends resources known only from events', () => {
    const other = { ...event, resourceId: 'res_zzzzzzzzzzzz', captureId: 'cap_zzzzzzzzzzzz' };
    expect(mergeProgress([item], new Map([[other.resourceId, other]]))).toHaveLength(2);
  });
});
