import type { QueueStatus } from '@shared/contract/methods/capture';
import type { ResourceId } from '@shared/domain/ids';
import type { CaptureQueue } from './capture-queue';
import type { CaptureRequest } from './capture-service';

/**
 * Where capture requests go and where the queue is read and acted on (`capture.enqueue`, `queue.status`,
 * `queue.cancel`, `queue.retry`). On a workstation: the in-process queue, which captures here. On a
 * team server: the PostgreSQL queue that capture workers pull from (workers/team-capture-queue.ts).
 * The handlers only know this seam, not which one is behind it.
 */
export type CaptureItem = Readonly<{ resourceId: ResourceId; url: string }>;

export type CaptureDispatchRequest = Omit<CaptureRequest, 'signal' | 'onProgress'>;

export type CaptureDispatcher = Readonly<{
  /** Resolves with how many of the items were queued (an item already waiting or running is not queued twice). */
  enqueue: (items: readonly CaptureItem[], request: CaptureDispatchRequest) => Promise<number>;
  status: () => Promise<QueueStatus>;
  /** Cancels the resource's waiting or running capture; nothing when it has none. `actor` is the user asking. */
  cancel: (resourceId: ResourceId, actor: string) => Promise<void>;
  /** Queues the resource again after its last capture finished; false when there is nothing to retry. */
  retry: (resourceId: ResourceId, actor: string) => Promise<boolean>;
  /** How many captures run at once here; refused where this process does not capture (a team server). */
  setConcurrency: (n: number) => void;
}>;

export const inProcessDispatcher = (queue: CaptureQueue): CaptureDispatcher => ({
  enqueue: (items, request) => Promise.resolve(queue.enqueue(items, request)),
  status: () => Promise.resolve(queue.status()),
  cancel: (resourceId) => Promise.resolve(queue.cancel(resourceId)),
  retry: (resourceId) => Promise.resolve(queue.retry(resourceId)),
  setConcurrency: (n) => queue.setConcurrency(n),
});

/** The dispatcher the backend's handlers hold: the in-process one until `switchTo` (a team server). */
export function switchableDispatcher(initial: CaptureDispatcher): {
  dispatcher: CaptureDispatcher;
  switchTo: (next: CaptureDispatcher) => void;
} {
  let current = initial;
  return {
    dispatcher: {
      enqueue: (items, request) => current.enqueue(items, request),
      status: () => current.status(),
      cancel: (resourceId, actor) => current.cancel(resourceId, actor),
      retry: (resourceId, actor) => current.retry(resourceId, actor),
      setConcurrency: (n) => current.setConcurrency(n),
    },
    switchTo: (next) => {
      current = next;
    },
  };
}
