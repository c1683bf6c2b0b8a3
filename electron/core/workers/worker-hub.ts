import {
  ClaimedJob,
  type FailJob,
  type JobMediaTerms,
  type MediaMatchQuery,
  type MediaMatchReply,
  type SubmitCapture,
  type SubmitReply,
} from '@shared/contract/methods/workers';
import { AppError } from '@shared/errors/app-error';
import { flagInForce, restrictedScreenshotsSetting } from '../capture/capture-media-policy';
import { getResourceRef } from '../db/repositories/resources-repo';
import type { MediaMatcher } from '../media/media-matcher';
import { suspectedCsamOf } from '../review/suspected-csam-flag';
import { createKeyedSettings } from '../settings/keyed-settings';
import type { WorkerRow } from '../db/repositories/workers-repo';
import type { Workspace } from '../workspace';
import type { CaptureJobs } from './capture-jobs';
import { ingestWorkerCapture } from './capture-ingest';
import { workerActor } from './worker-registry';
import { workerQueueStatus } from './worker-queue-status';

/**
 * The server's side of the capture workers: queues capture requests as jobs, hands them to the
 * workers that claim them, and records what they upload. Which worker holds which job is kept with
 * the job in pg-boss (a restarted server still knows); a job that expired and was claimed by another
 * worker is no longer the first one's to submit, so a slow worker that comes back can never record a
 * second capture for one job.
 */
export type WorkerHub = Readonly<{
  /** The job's id, or null when the resource already has a job waiting or held (nothing queued). */
  enqueue: (resourceId: string, request: EnqueueRequest) => Promise<string | null>;
  claim: (worker: WorkerRow) => Promise<ClaimedJob | null>;
  /** A blob upload is accepted only from a worker that holds a job. */
  requireHolder: (worker: WorkerRow) => Promise<void>;
  /**
   * Before a blob is stored: refused while the worker holds a job it was handed as an ordinary
   * capture whose resource has been flagged since (its bytes may be media the unit must not hold).
   */
  admitBlob: (worker: WorkerRow) => Promise<void>;
  /** One medium's hashes against the server's lists and assessments (for a worker holding a job). */
  matchMedia: (worker: WorkerRow, query: MediaMatchQuery) => Promise<MediaMatchReply>;
  submit: (worker: WorkerRow, body: SubmitCapture) => Promise<SubmitReply>;
  fail: (worker: WorkerRow, body: FailJob) => Promise<void>;
  /** Cancels the resource's pending job (waiting or held); nothing when it has none. */
  cancel: (resourceId: string, actor: string) => Promise<void>;
  /** Queues the resource again after its last job finished; false when one is still pending. */
  retry: (resourceId: string, actor: string) => Promise<boolean>;
  jobs: CaptureJobs;
}>;

type EnqueueRequest = Readonly<{ profile?: string; requestedBy: string; retryOf?: string }>;

export type WorkerHubDeps = Readonly<{
  ws: Workspace;
  jobs: CaptureJobs;
  /** Runs after a capture is recorded (indicator extraction); must not throw. */
  afterRecord?: (captureId: string, actor: string) => Promise<void>;
  /** The server's known-hash lists and assessments; without it workers are told there is nothing to match. */
  media?: MediaMatcher;
}>;

const flaggedSince = (resourceId: string, worker: string): AppError =>
  new AppError(
    'auth.forbidden',
    `resource ${resourceId} was flagged suspected_csam after worker ${worker} claimed it as an ordinary capture: upload refused, the job is captured again restricted`,
  );

const PENDING: readonly string[] = ['created', 'retry', 'active'];

export function createWorkerHub(deps: WorkerHubDeps): WorkerHub {
  const { ws, jobs } = deps;

  // The queue screen reloads on this event, as it does for the in-process queue.
  const announce = async (): Promise<void> => {
    const { waiting, running, concurrency } = await workerQueueStatus(jobs);
    ws.events.emit('queue.changed', { waiting, running, concurrency });
  };

  const requireHeldBy = async (worker: WorkerRow, jobId: string): Promise<void> => {
    if ((await jobs.holderOf(jobId)) !== worker.name)
      throw new AppError(
        'auth.forbidden',
        `job ${jobId} is not held by worker ${worker.name} (expired, cancelled or taken over?)`,
      );
  };

  const resourceOfJob = async (jobId: string): Promise<string> => {
    const resourceId = await jobs.resourceOf(jobId);
    if (resourceId === null) throw new AppError('evidence.not-found', `no capture job ${jobId}`);
    return resourceId;
  };

  async function enqueue(resourceId: string, request: EnqueueRequest) {
    const ref = await ws.db.read((c) => getResourceRef(c, resourceId));
    if (ref === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
    const jobId = await jobs.enqueue({
      resourceId: ref.id,
      url: ref.url,
      profile: request.profile ?? null,
      requestedBy: request.requestedBy,
    });
    if (jobId === null) return null;
    await ws.record((_tx, audit) =>
      audit({
        actor: request.requestedBy,
        action: 'capture.queued',
        subject: `resource:${ref.id}`,
        details: {
          jobId,
          profile: request.profile ?? null,
          queue: 'workers',
          ...(request.retryOf !== undefined ? { retryOf: request.retryOf } : {}),
        },
      }),
    );
    await announce();
    return jobId;
  }

  const flagOf = async (resourceId: string) =>
    flagInForce(await ws.db.read((c) => suspectedCsamOf(c, resourceId)));

  /** The server's own terms, as a capture on it would apply them (capture-media-policy.ts). */
  const termsOf = async (resourceId: string, restricted: boolean): Promise<JobMediaTerms> => ({
    suspectedCsam: restricted ? await flagOf(resourceId) : null,
    screenshots: await restrictedScreenshotsSetting(createKeyedSettings(ws)),
    matchMedia: deps.media !== undefined && (await deps.media.hasKnownItems()),
  });

  async function claim(worker: WorkerRow): Promise<ClaimedJob | null> {
    const job = await jobs.claim(worker.name, async (id) => (await flagOf(id)) !== null);
    if (job === null) return null;
    const media = await termsOf(job.resourceId, job.restricted);
    await ws.record((_tx, audit) =>
      audit({
        actor: workerActor(worker.name),
        action: 'capture.claimed',
        subject: `resource:${job.resourceId}`,
        details: {
          jobId: job.jobId,
          worker: worker.name,
          workerKeyId: worker.keyId,
          restricted: job.restricted,
          matchMedia: media.matchMedia,
        },
      }),
    );
    await announce();
    const { restricted: _restricted, ...handed } = job;
    return ClaimedJob.parse({ ...handed, expireInSeconds: jobs.expireInSeconds, media });
  }

  async function requireHolder(worker: WorkerRow): Promise<void> {
    if (!(await jobs.holdsAJob(worker.name)))
      throw new AppError('auth.forbidden', `worker ${worker.name} holds no job`);
  }

  async function admitBlob(worker: WorkerRow): Promise<void> {
    await requireHolder(worker);
    for (const resourceId of await jobs.unrestrictedHeldBy(worker.name))
      if ((await flagOf(resourceId)) !== null) throw flaggedSince(resourceId, worker.name);
  }

  async function matchMedia(worker: WorkerRow, query: MediaMatchQuery): Promise<MediaMatchReply> {
    await requireHolder(worker);
    if (deps.media === undefined) return { match: null, prior: null };
    const [match, prior] = await Promise.all([deps.media.firstMatch(query), deps.media.assessmentFor(query)]);
    return {
      match: match && { list: match.list, version: match.version, label: match.label, how: match.how },
      prior: prior && {
        label: prior.label,
        assessedBy: prior.assessedBy,
        assessedAt: prior.assessedAt,
        by: prior.by,
      },
    };
  }

  async function submit(worker: WorkerRow, body: SubmitCapture): Promise<SubmitReply> {
    // Only an active job has a holder: one pg-boss expired is refused even if no other worker took it.
    await requireHeldBy(worker, body.jobId);
    const record = await ingestWorkerCapture(ws, {
      worker,
      resourceId: await resourceOfJob(body.jobId),
      jobId: body.jobId,
      record: body.record,
    });
    await jobs.complete(body.jobId, { captureId: record.id, outcome: record.outcome, worker: worker.name });
    if (deps.afterRecord) await deps.afterRecord(record.id, workerActor(worker.name));
    ws.events.emit('resource.changed', { resourceId: record.resourceId });
    await announce();
    return { captureId: record.id, artifacts: record.artifacts.length };
  }

  async function fail(worker: WorkerRow, body: FailJob): Promise<void> {
    await requireHeldBy(worker, body.jobId);
    const resourceId = await resourceOfJob(body.jobId);
    await jobs.fail(body.jobId, body.error);
    await ws.record((_tx, audit) =>
      audit({
        actor: workerActor(worker.name),
        action: 'capture.job-failed',
        subject: `resource:${resourceId}`,
        details: { jobId: body.jobId, worker: worker.name, error: body.error },
      }),
    );
    await announce();
  }

  async function cancel(resourceId: string, actor: string): Promise<void> {
    const job = await jobs.newestOf(resourceId);
    if (job === null || !PENDING.includes(job.state)) return;
    const holder = job.state === 'active' ? await jobs.holderOf(job.id) : null;
    await jobs.cancel(job.id);
    await ws.record((_tx, audit) =>
      audit({
        actor,
        action: 'capture.cancelled',
        subject: `resource:${resourceId}`,
        details: { jobId: job.id, state: job.state, worker: holder, queue: 'workers' },
      }),
    );
    await announce();
  }

  async function retry(resourceId: string, actor: string): Promise<boolean> {
    const job = await jobs.newestOf(resourceId);
    if (job === null || PENDING.includes(job.state)) return false;
    const profile = job.data['profile'];
    const jobId = await enqueue(resourceId, {
      requestedBy: actor,
      retryOf: job.id,
      ...(typeof profile === 'string' ? { profile } : {}),
    });
    return jobId !== null;
  }

  return {
    enqueue,
    claim,
    requireHolder,
    admitBlob,
    matchMedia,
    submit,
    fail,
    cancel,
    retry,
    jobs,
  };
}
