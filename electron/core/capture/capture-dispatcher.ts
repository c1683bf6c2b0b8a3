import type { ResourceId } from '@shared/domain/ids';
import type { CaptureQueue } from './capture-queue';
import type { CaptureRequest } from './capture-service';

/**
 * Where a capture request (`capture.enqueue`) goes. On a workstation: the in-process queue, which
 * captures here. On a team server: the PostgreSQL queue that capture workers pull from
 * (workers/worker-dispatcher.ts). The handlers only know this seam, not which one is behind it.
 */
export type CaptureItem = Readonly<{ resourceId: ResourceId; url: string }>;

export type CaptureDispatchRequest = Omit<CaptureRequest, 'signal' | 'onProgress'>;

/** Resolves with how many of the items were queued (an item already waiting is not queued twice). */
export type CaptureDispatcher = (
  items: readonly CaptureItem[],
  request: CaptureDispatchRequest,
) => Promise<number>;

export const inProcessDispatcher =
  (queue: CaptureQueue): CaptureDispatcher =>
  (items, request) =>
    Promise.resolve(queue.enqueue(items, request));
