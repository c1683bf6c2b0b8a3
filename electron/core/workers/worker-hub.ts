import {
  ClaimedJob,
  type FailJob,
  type SubmitCapture,
  type SubmitReply,
} from '@shared/contract/methods/workers';
import { AppError } from '@shared/errors/app-error';
import { getResourceRef } from '../db/repositories/resources-repo';
import type { WorkerRow } from '../db/repositories/workers-repo';
import type { Workspace } from '../workspace';
import type { CaptureJobs } from './capture-jobs';
import { ingestWorkerCapture } from './capture-ingest';
import { workerActor } from './worker-registry';

/**
 * The server's side of the capture workers: queues capture requests as jobs, hands them to the
 * workers that claim them, and records what they upload. Which worker holds which job is known here;
 * a job that expired and was claimed by another worker is no longer the first one's to submit, so a
 * slow worker that comes back can never record a second capture for one job.
 */
export type WorkerHub = Readonly<{
  enqueue: (
    resourceId: string,
    request: Readonly<{ profile?: string; requestedBy: string }>,
  ) => Promise<string>;
  claim: (worker: WorkerRow) => Promise<ClaimedJob | null>;
  /** A blob upload is accepted only from a worker that holds a job. */
  requireHolder: (worker: WorkerRow) => void;
  submit: (worker: WorkerRow, body: SubmitCapture) => Promise<SubmitReply>;
  fail: (worker: WorkerRow, body: FailJob) => Promise<void>;
  jobs: CaptureJobs;
}>;

export type WorkerHubDeps = Readonly<{
  ws: Workspace;
  jobs: CaptureJobs;
  /** Runs after a capture is recorded (indicator extraction); must not throw. */
  afterRecord?: (captureId: string, actor: string) => Promise<void>;
}>;

type Held = Readonly<{ worker: string; resourceId: string }>;

export function createWorkerHub(deps: WorkerHubDeps): WorkerHub {
  const { ws, jobs } = deps;
  const held = new Map<string, Held>();

  const heldBy = (worker: WorkerRow, jobId: string): Held => {
    const entry = held.get(jobId);
    if (entry === undefined || entry.worker !== worker.name)
      throw new AppError(
        'auth.forbidden',
        `job ${jobId} is not held by worker ${worker.name} (expired and taken over?)`,
      );
    return entry;
  };

  async function enqueue(resourceId: string, request: Readonly<{ profile?: string; requestedBy: string }>) {
    const ref = await ws.db.read((c) => getResourceRef(c, resourceId));
    if (ref === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
    const jobId = await jobs.enqueue({
      resourceId: ref.id,
      url: ref.url,
      profile: request.profile ?? null,
      requestedBy: request.requestedBy,
    });
    await ws.record((_tx, audit) =>
      audit({
        actor: request.requestedBy,
        action: 'capture.queued',
        subject: `resource:${ref.id}`,
        details: { jobId, profile: request.profile ?? null, queue: 'workers' },
      }),
    );
    return jobId;
  }

  async function claim(worker: WorkerRow): Promise<ClaimedJob | null> {
    const job = await jobs.claim();
    if (job === null) return null;
    held.set(job.jobId, { worker: worker.name, resourceId: job.resourceId });
    await ws.record((_tx, audit) =>
      audit({
        actor: workerActor(worker.name),
        action: 'capture.claimed',
        subject: `resource:${job.resourceId}`,
        details: { jobId: job.jobId, worker: worker.name, workerKeyId: worker.keyId },
      }),
    );
    return ClaimedJob.parse({ ...job, expireInSeconds: jobs.expireInSeconds });
  }

  async function submit(worker: WorkerRow, body: SubmitCapture): Promise<SubmitReply> {
    const entry = heldBy(worker, body.jobId);
    // A job pg-boss already expired is not active any more, even if no other worker has taken it yet.
    if ((await jobs.stateOf(body.jobId)) !== 'active')
      throw new AppError('auth.forbidden', `job ${body.jobId} is no longer active (it expired)`);
    const record = await ingestWorkerCapture(ws, {
      worker,
      resourceId: entry.resourceId,
      jobId: body.jobId,
      record: body.record,
    });
    held.delete(body.jobId);
    await jobs.complete(body.jobId, { captureId: record.id, worker: worker.name });
    if (deps.afterRecord) await deps.afterRecord(record.id, workerActor(worker.name));
    ws.events.emit('resource.changed', { resourceId: record.resourceId });
    return { captureId: record.id, artifacts: record.artifacts.length };
  }

  async function fail(worker: WorkerRow, body: FailJob): Promise<void> {
    const entry = heldBy(worker, body.jobId);
    held.delete(body.jobId);
    await jobs.fail(body.jobId, body.error);
    await ws.record((_tx, audit) =>
      audit({
        actor: workerActor(worker.name),
        action: 'capture.job-failed',
        subject: `resource:${entry.resourceId}`,
        details: { jobId: body.jobId, worker: worker.name, error: body.error },
      }),
    );
  }

  return {
    enqueue,
    claim,
    requireHolder: (worker) => {
      if (![...held.values()].some((h) => h.worker === worker.name))
        throw new AppError('auth.forbidden', `worker ${worker.name} holds no job`);
    },
    submit,
    fail,
    jobs,
  };
}
