import { AppError } from '@shared/errors/app-error';
import { extractAfterSeal, type Backend } from '../backend';
import type { CaptureDispatcher } from '../capture/capture-dispatcher';
import { retryPendingTimestamps } from '../custody/timestamp-retry';
import { configuredTsa } from '../settings/tsa-settings';
import { startCaptureJobs, type CaptureJobs } from './capture-jobs';
import { createWorkerHub, type WorkerHub } from './worker-hub';
import { workerQueueStatus } from './worker-queue-status';
import { createWorkerRoutes, type WorkerRoutes } from './worker-routes';

/**
 * A team server's capture queue: pg-boss jobs in the server's PostgreSQL database, handed to the
 * capture workers over `/workers/…`. Once started, the backend's `capture.enqueue` goes here instead
 * of the in-process queue, and `queue.status`/`cancel`/`retry` read and act on its jobs: a team server
 * captures nothing itself, its workers do.
 */
export type TeamCaptureQueue = Readonly<{
  jobs: CaptureJobs;
  hub: WorkerHub;
  routes: WorkerRoutes;
  stop: () => Promise<void>;
}>;

export type TeamCaptureQueueOptions = Readonly<{
  database: string;
  /** How long a worker holds a job before another may take it over (its lease). */
  expireInSeconds?: number;
  retryDelaySeconds?: number;
}>;

/**
 * Each requested resource becomes one job (merged into its pending one if it has one); the operator
 * who asked is recorded as requesting it. The queue is read and acted on in pg-boss.
 */
export const workerQueueDispatcher = (hub: WorkerHub): CaptureDispatcher => ({
  enqueue: async (items, request) => {
    let queued = 0;
    for (const item of items) {
      const jobId = await hub.enqueue(item.resourceId, {
        requestedBy: request.operator,
        ...(request.profile !== undefined ? { profile: request.profile } : {}),
      });
      if (jobId !== null) queued += 1;
    }
    return queued;
  },
  status: () => workerQueueStatus(hub.jobs),
  cancel: (resourceId, actor) => hub.cancel(resourceId, actor),
  retry: (resourceId, actor) => hub.retry(resourceId, actor),
  setConcurrency: () => {
    // The server captures nothing itself: each worker's slots are its own `vigil worker --concurrency`.
    throw new AppError(
      'input.invalid',
      'a team server does not capture: each capture worker sets its own slots (vigil worker --concurrency N)',
    );
  },
});

/** The server's time keeper, as it retries a capture left pending. */
const STAMP_ACTOR = 'system';
const STAMP_TIMEOUT_MS = 15_000;

/**
 * A worker's capture is stamped by the unit's TSA (the server's settings) as soon as it is recorded,
 * through the retry path; a failure leaves it pending for the time keeper's backoff, and a server
 * without a TSA leaves it pending, as a workstation without one does.
 */
async function stampWorkerCapture(backend: Backend, captureId: string): Promise<void> {
  const tsa = configuredTsa(await backend.settings.get());
  if (tsa === null) return;
  await retryPendingTimestamps(backend.workspace, tsa, STAMP_ACTOR, {
    timeoutMs: STAMP_TIMEOUT_MS,
    captureId,
  });
}

export async function startTeamCaptureQueue(
  backend: Backend,
  opts: TeamCaptureQueueOptions,
): Promise<TeamCaptureQueue> {
  const ws = backend.workspace;
  const jobs = await startCaptureJobs({
    connectionString: opts.database,
    ...(opts.expireInSeconds !== undefined ? { expireInSeconds: opts.expireInSeconds } : {}),
    ...(opts.retryDelaySeconds !== undefined ? { retryDelaySeconds: opts.retryDelaySeconds } : {}),
  });
  const hub = createWorkerHub({
    ws,
    jobs,
    media: backend.mediaMatcher,
    afterRecord: async (captureId, actor) => {
      await stampWorkerCapture(backend, captureId);
      // As after a local seal: indicators extracted, a failure recorded and never the capture's.
      await extractAfterSeal(ws, backend.indicators, captureId, actor);
    },
  });
  backend.dispatchCapturesTo(workerQueueDispatcher(hub));
  return { jobs, hub, routes: createWorkerRoutes(ws, hub), stop: () => jobs.stop() };
}
