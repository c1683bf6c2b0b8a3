import type { EventPayload } from '@shared/contract/index';
import type { QueueItem } from '@shared/contract/methods/capture';

type Progress = EventPayload<'capture.progress'>;

/**
 * Overlays live progress events on the last queue snapshot: an event replaces the snapshot of the
 * same capture unless the snapshot already shows a later elapsed time.
 * Resources seen only in events (the snapshot is older) are appended.
 */
export function mergeProgress(items: readonly QueueItem[], live: ReadonlyMap<string, Progress>): QueueItem[] {
  const seen = new Set<string>();
  const merged = items.map((item): QueueItem => {
    seen.add(item.resourceId);
    const p = live.get(item.resourceId);
    if (p === undefined) return item;
    // A snapshot of another capture of the same resource (a retry) is not comparable: keep the snapshot
    // until events for its capture arrive.
    const sameCapture = item.captureId === null || item.captureId === p.captureId;
    if (!sameCapture || item.elapsedMs > p.elapsedMs) return item;
    return {
      ...item,
      captureId: p.captureId as QueueItem['captureId'],
      stage: p.stage,
      status: p.status,
      elapsedMs: p.elapsedMs,
      warnings: p.warnings,
      ...(p.error ? { error: p.error } : {}),
    };
  });
  for (const p of live.values()) {
    if (seen.has(p.resourceId)) continue;
    merged.push({
      resourceId: p.resourceId as QueueItem['resourceId'],
      url: p.url,
      captureId: p.captureId as QueueItem['captureId'],
      stage: p.stage,
      status: p.status,
      elapsedMs: p.elapsedMs,
      warnings: p.warnings,
      ...(p.error ? { error: p.error } : {}),
    });
  }
  return merged;
}
