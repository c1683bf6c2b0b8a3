import type { QueueItem, QueueStatus } from '@shared/contract/methods/capture';
import { CaptureId, ResourceId } from '@shared/domain/ids';
import type { CaptureJobRow, CaptureJobs } from './capture-jobs';

/**
 * `queue.status` on a team server: the newest pg-boss job of each resource, in the shape the queue
 * screen renders for the in-process queue, with the worker holding a running job and its retries.
 */

/** Pending jobs first (one request queues at most 10,000), then as many finished as the in-process queue keeps. */
const SHOWN = 10_000 + 500;

const STATUS_OF: Readonly<Record<CaptureJobRow['state'], QueueItem['status']>> = {
  created: 'waiting',
  retry: 'waiting',
  active: 'running',
  completed: 'complete',
  cancelled: 'cancelled',
  failed: 'failed',
};

const textOf = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * The reason of the last failed attempt: a worker's report (`{ error }`), or pg-boss's own when the
 * job's lease ran out (`{ value: { message } }`).
 */
function lastErrorOf(job: CaptureJobRow): QueueItem['error'] | undefined {
  const reported = textOf(job.output?.['error']);
  if (reported !== null) return { code: 'capture.worker-failed', message: reported };
  const value = job.output?.['value'];
  const expired =
    typeof value === 'object' && value !== null ? textOf((value as { message?: unknown }).message) : null;
  return expired === null ? undefined : { code: 'capture.timeout', message: expired };
}

function statusOf(job: CaptureJobRow): QueueItem['status'] {
  const outcome = textOf(job.output?.['outcome']);
  return job.state === 'completed' && outcome === 'partial' ? 'partial' : STATUS_OF[job.state];
}

function elapsedOf(job: CaptureJobRow, now: number): number {
  if (job.startedOn === null) return 0;
  const end = job.state === 'active' ? now : (job.completedOn?.getTime() ?? now);
  return Math.max(0, end - job.startedOn.getTime());
}

function itemOf(job: CaptureJobRow, now: number): QueueItem {
  const status = statusOf(job);
  const worker = job.state === 'active' ? textOf(job.output?.['worker']) : null;
  const error = job.state === 'active' || job.state === 'completed' ? undefined : lastErrorOf(job);
  return {
    resourceId: ResourceId.parse(job.resourceId),
    url: textOf(job.data['url']) ?? '',
    captureId: CaptureId.nullable().parse(textOf(job.output?.['captureId'])),
    // A worker reports no stages to the server: a held job is shown at its first.
    stage: status === 'waiting' ? 'queued' : status === 'running' ? 'navigate' : 'done',
    status,
    elapsedMs: elapsedOf(job, now),
    warnings: [],
    ...(error !== undefined ? { error } : {}),
    ...(worker !== null ? { worker } : {}),
    retries: job.retryCount,
  };
}

export async function workerQueueStatus(jobs: CaptureJobs): Promise<QueueStatus> {
  const now = Date.now();
  const items = (await jobs.recent(SHOWN)).map((job) => itemOf(job, now));
  const running = items.filter((i) => i.status === 'running');
  return {
    items,
    // Each worker captures as many at a time as it was started with; the server sees the holders.
    concurrency: new Set(running.map((i) => i.worker)).size,
    captureWorkers: true,
    waiting: items.filter((i) => i.status === 'waiting').length,
    running: running.length,
  };
}
