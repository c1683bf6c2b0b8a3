import PgBoss from 'pg-boss';
import {
  holderOfJob,
  markJobHolder,
  newestJobOf,
  newestJobPerResource,
  pendingJobOf,
  unrestrictedResourcesHeldBy,
  workerHoldsAJob,
  type JobRow,
} from '../db/repositories/capture-jobs-repo';

/**
 * The team server's capture queue: pg-boss jobs in PostgreSQL. A job a worker claimed and did not
 * finish within `expireInSeconds` (its worker died, or lost the network) expires, counts as a failed
 * attempt, and is fetched again by the next claim (pg-boss retry with backoff), up to `retryLimit`.
 * A resource has at most one pending job (waiting or held), as in the in-process queue: its id is the
 * job's singleton key, a request while one is pending is merged into it, and the `short` queue
 * policy's unique index settles two requests that race. Who holds an active job is kept in the job
 * itself, so a restarted server still knows it.
 */

export const CAPTURE_QUEUE = 'vigil-capture';

export type CaptureJobData = Readonly<{
  resourceId: string;
  url: string;
  profile: string | null;
  requestedBy: string;
}>;

export type ClaimedCaptureJob = CaptureJobData & Readonly<{ jobId: string }>;

export type { JobRow as CaptureJobRow } from '../db/repositories/capture-jobs-repo';

export type CaptureJobsOptions = Readonly<{
  connectionString: string;
  expireInSeconds?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
}>;

export type CaptureJobs = Readonly<{
  expireInSeconds: number;
  /** The new job's id, or null when a job of this resource is already waiting or held. */
  enqueue: (data: CaptureJobData) => Promise<string | null>;
  /**
   * The next job, recorded as held by `worker`, with whether it goes out restricted (`restrictedOf`
   * its resource, asked between fetching and marking it).
   */
  claim: (
    worker: string,
    restrictedOf: (resourceId: string) => Promise<boolean>,
  ) => Promise<(ClaimedCaptureJob & Readonly<{ restricted: boolean }>) | null>;
  /** The worker holding an active job; null once it is not active (expired, finished, cancelled). */
  holderOf: (jobId: string) => Promise<string | null>;
  holdsAJob: (worker: string) => Promise<boolean>;
  /** The resources of the active jobs `worker` holds as ordinary captures. */
  unrestrictedHeldBy: (worker: string) => Promise<string[]>;
  resourceOf: (jobId: string) => Promise<string | null>;
  /** The newest job of each resource: pending ones first, each part newest first. */
  recent: (limit: number) => Promise<JobRow[]>;
  newestOf: (resourceId: string) => Promise<JobRow | null>;
  cancel: (jobId: string) => Promise<void>;
  complete: (jobId: string, result: Readonly<Record<string, unknown>>) => Promise<void>;
  fail: (jobId: string, error: string) => Promise<void>;
  /** State of one job (`created`, `active`, `retry`, `completed`, `failed`…), for reports and tests. */
  stateOf: (jobId: string) => Promise<string | null>;
  stop: () => Promise<void>;
}>;

const DEFAULTS = { expireInSeconds: 15 * 60, retryLimit: 3, retryDelaySeconds: 30 } as const;

export async function startCaptureJobs(opts: CaptureJobsOptions): Promise<CaptureJobs> {
  const expireInSeconds = opts.expireInSeconds ?? DEFAULTS.expireInSeconds;
  // pg-boss's maintenance is what moves an expired job back to retry: it runs at least twice per
  // expiry period, so a dead worker's job waits at most about 1.5 times `expireInSeconds`.
  const boss = new PgBoss({
    connectionString: opts.connectionString,
    maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(expireInSeconds / 2))),
  });
  boss.on('error', () => undefined);
  await boss.start();
  const queue: PgBoss.Queue = {
    name: CAPTURE_QUEUE,
    policy: 'short',
    expireInSeconds,
    retryLimit: opts.retryLimit ?? DEFAULTS.retryLimit,
    retryDelay: opts.retryDelaySeconds ?? DEFAULTS.retryDelaySeconds,
    retryBackoff: true,
  };
  await boss.createQueue(CAPTURE_QUEUE, queue);
  // createQueue leaves a queue made by an earlier version as it was (policy `standard`).
  await boss.updateQueue(CAPTURE_QUEUE, queue);
  const db = boss.getDb();
  return {
    expireInSeconds,
    enqueue: async (data) => {
      if ((await pendingJobOf(db, CAPTURE_QUEUE, data.resourceId)) !== null) return null;
      return boss.send(CAPTURE_QUEUE, data, { singletonKey: data.resourceId });
    },
    claim: async (worker, restrictedOf) => {
      const [job] = await boss.fetch<CaptureJobData>(CAPTURE_QUEUE);
      if (job === undefined) return null;
      const restricted = await restrictedOf(job.data.resourceId);
      await markJobHolder(db, CAPTURE_QUEUE, job.id, { worker, restricted });
      return { ...job.data, jobId: job.id, restricted };
    },
    holderOf: (jobId) => holderOfJob(db, CAPTURE_QUEUE, jobId),
    holdsAJob: (worker) => workerHoldsAJob(db, CAPTURE_QUEUE, worker),
    unrestrictedHeldBy: (worker) => unrestrictedResourcesHeldBy(db, CAPTURE_QUEUE, worker),
    resourceOf: async (jobId) =>
      (await boss.getJobById<CaptureJobData>(CAPTURE_QUEUE, jobId))?.data.resourceId ?? null,
    recent: (limit) => newestJobPerResource(db, CAPTURE_QUEUE, limit),
    newestOf: (resourceId) => newestJobOf(db, CAPTURE_QUEUE, resourceId),
    cancel: (jobId) => boss.cancel(CAPTURE_QUEUE, jobId),
    complete: (jobId, result) => boss.complete(CAPTURE_QUEUE, jobId, result),
    fail: (jobId, error) => boss.fail(CAPTURE_QUEUE, jobId, { error }),
    stateOf: async (jobId) => (await boss.getJobById(CAPTURE_QUEUE, jobId))?.state ?? null,
    stop: () => boss.stop({ graceful: false, wait: true }),
  };
}
