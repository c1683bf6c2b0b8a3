import PgBoss from 'pg-boss';
import { AppError } from '@shared/errors/app-error';

/**
 * The team server's capture queue: pg-boss jobs in PostgreSQL. A job a worker claimed and did not
 * finish within `expireInSeconds` (its worker died, or lost the network) expires, counts as a failed
 * attempt, and is fetched again by the next claim (pg-boss retry with backoff), up to `retryLimit`.
 */

export const CAPTURE_QUEUE = 'vigil-capture';

export type CaptureJobData = Readonly<{
  resourceId: string;
  url: string;
  profile: string | null;
  requestedBy: string;
}>;

export type ClaimedCaptureJob = CaptureJobData & Readonly<{ jobId: string }>;

export type CaptureJobsOptions = Readonly<{
  connectionString: string;
  expireInSeconds?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
}>;

export type CaptureJobs = Readonly<{
  expireInSeconds: number;
  enqueue: (data: CaptureJobData) => Promise<string>;
  claim: () => Promise<ClaimedCaptureJob | null>;
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
  await boss.createQueue(CAPTURE_QUEUE, {
    name: CAPTURE_QUEUE,
    expireInSeconds,
    retryLimit: opts.retryLimit ?? DEFAULTS.retryLimit,
    retryDelay: opts.retryDelaySeconds ?? DEFAULTS.retryDelaySeconds,
    retryBackoff: true,
  });
  return {
    expireInSeconds,
    enqueue: async (data) => {
      const id = await boss.send(CAPTURE_QUEUE, data);
      if (id === null) throw new AppError('internal.unexpected', 'the capture queue did not take the job');
      return id;
    },
    claim: async () => {
      const [job] = await boss.fetch<CaptureJobData>(CAPTURE_QUEUE);
      return job === undefined ? null : { ...job.data, jobId: job.id };
    },
    complete: (jobId, result) => boss.complete(CAPTURE_QUEUE, jobId, result),
    fail: (jobId, error) => boss.fail(CAPTURE_QUEUE, jobId, { error }),
    stateOf: async (jobId) => (await boss.getJobById(CAPTURE_QUEUE, jobId))?.state ?? null,
    stop: () => boss.stop({ graceful: false, wait: true }),
  };
}
