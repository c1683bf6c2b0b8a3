import type { ClaimedJob, MediaMatchReply } from '@shared/contract/methods/workers';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { RunningStage } from '@shared/domain/capture-stage';
import { errorMessage } from '@shared/errors/app-error';
import type { Backend } from '../backend';
import type { MediaTerms } from '../capture/capture-media-policy';
import type { MediaHashes } from '../capture/media-withholding';
import { getResourceRef, insertResource } from '../db/repositories/resources-repo';
import type { Workspace } from '../workspace';
import type { WorkerClient } from './worker-client';
import { workerActor } from './worker-registry';

/**
 * `vigil worker`: N capture slots, each claiming a job from the team server, capturing it with the
 * same pipeline into the worker's own data dir (sealed by the worker's key), uploading every blob
 * and then the record. A job the worker cannot finish is reported failed (the server retries it);
 * a worker that dies says nothing, and the server hands its job to another once it expires.
 */
export type WorkerLoop = Readonly<{
  /** Resolves when every slot has stopped. */
  done: Promise<void>;
  /** Finishes the jobs in hand, then stops. */
  stop: () => Promise<void>;
  /** Stops at once without a word to the server, as a killed worker would (tests, benchmarks). */
  abandon: () => Promise<void>;
  captured: () => number;
}>;

export type WorkerLoopOptions = Readonly<{
  backend: Backend;
  client: WorkerClient;
  concurrency: number;
  /** Pause before asking again when the queue was empty. */
  idleMs?: number;
  /** The capture options of the worker's machine (e.g. a worker on the unit's own network). */
  allowPrivateNetwork?: boolean;
  ignoreHttpsErrors?: boolean;
  onStage?: (job: ClaimedJob, stage: RunningStage) => void;
  onCaptured?: (job: ClaimedJob, captureId: string) => void;
  onError?: (job: ClaimedJob | null, error: unknown) => void;
}>;

/** The job's resource in the worker's own workspace, under the server's id (the manifest names it). */
async function mirrorResource(ws: Workspace, job: ClaimedJob, worker: string): Promise<void> {
  await ws.record(async (tx, audit) => {
    if ((await getResourceRef(tx, job.resourceId)) !== null) return;
    const url = new URL(job.url);
    await insertResource(tx, {
      id: job.resourceId,
      caseId: null,
      url: job.url,
      displayUrl: job.url,
      host: url.hostname,
      categories: [],
      at: ws.clock().toISOString(),
    });
    await audit({
      actor: workerActor(worker),
      action: 'worker.job-received',
      subject: `resource:${job.resourceId}`,
      details: { jobId: job.jobId, url: job.url, requestedBy: job.requestedBy },
    });
  });
}

/**
 * The server's do-not-possess terms for this job: its flag and screenshot setting, and its lists
 * asked medium by medium (hashes only). A medium the server cannot be asked about fails the capture
 * (the job is retried): it is never kept unmatched.
 */
export function jobMediaTerms(job: ClaimedJob, client: WorkerClient): MediaTerms {
  const asked = new Map<string, Promise<MediaMatchReply>>();
  const ask = (h: MediaHashes): Promise<MediaMatchReply> => {
    const key = `${h.sha256} ${h.pdq ?? ''}`;
    let reply = asked.get(key);
    if (reply === undefined) {
      reply = client.matchMedia({
        sha256: h.sha256,
        md5: h.md5,
        pdq: h.pdq,
        pdqQuality: h.pdqQuality ?? null,
      });
      asked.set(key, reply);
    }
    return reply;
  };
  return {
    suspectedCsam: job.media.suspectedCsam,
    screenshots: job.media.screenshots,
    matcher: job.media.matchMedia
      ? { match: async (h) => (await ask(h)).match, assessed: async (h) => (await ask(h)).prior }
      : null,
  };
}

/** Every blob of the sealed capture, then the record: the server records nothing before the last step. */
async function upload(ws: Workspace, client: WorkerClient, job: ClaimedJob, record: CaptureRecord) {
  for (const a of record.artifacts) await client.uploadBlob(a.sha256, () => ws.blobs.open(a.sha256));
  return client.submit({ jobId: job.jobId, record });
}

/**
 * The capture's overall deadline, inside the job's lease: the server gives the job to another worker
 * once `expireInSeconds` passed, so a live worker must have sealed and uploaded by then. A fifth of
 * the lease (at least 2 s) is left for the upload; the profile's own deadline applies when it is shorter.
 */
async function deadlineWithinLease(backend: Backend, job: ClaimedJob): Promise<number> {
  const name = job.profile ?? (await backend.settings.get()).defaultProfile;
  const profileSeconds = backend.captures.profile(name).timeouts.totalMs / 1000;
  const leaseSeconds = job.expireInSeconds - Math.max(2, Math.ceil(job.expireInSeconds / 5));
  return Math.max(1, Math.min(profileSeconds, leaseSeconds));
}

/** A pause that ends early when the loop stops. */
const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

export function startWorkerLoop(opts: WorkerLoopOptions): WorkerLoop {
  const { backend, client } = opts;
  const ws = backend.workspace;
  const stopping = new AbortController();
  const killed = new AbortController();
  let captured = 0;

  async function runJob(worker: string, job: ClaimedJob): Promise<void> {
    await mirrorResource(ws, job, worker);
    const record = await backend.captures.captureResource(job.resourceId, {
      operator: workerActor(worker),
      ...(job.profile !== null ? { profile: job.profile } : {}),
      timeoutSeconds: await deadlineWithinLease(backend, job),
      // The TSA is the unit's: the server stamps the manifest hash once it holds the capture.
      tsaUrl: null,
      mediaTerms: jobMediaTerms(job, client),
      ...(opts.allowPrivateNetwork !== undefined ? { allowPrivateNetwork: opts.allowPrivateNetwork } : {}),
      ...(opts.ignoreHttpsErrors !== undefined ? { ignoreHttpsErrors: opts.ignoreHttpsErrors } : {}),
      signal: killed.signal,
      onProgress: (p) => opts.onStage?.(job, p.stage),
    });
    if (killed.signal.aborted) return;
    await upload(ws, client, job, record);
    captured += 1;
    opts.onCaptured?.(job, record.id);
  }

  async function slot(): Promise<void> {
    while (!stopping.signal.aborted) {
      let job: ClaimedJob | null = null;
      try {
        const reply = await client.claim();
        job = reply.job;
        if (job === null) {
          await pause(opts.idleMs ?? 2_000, stopping.signal);
          continue;
        }
        await runJob(reply.worker, job);
      } catch (error) {
        if (killed.signal.aborted) return;
        opts.onError?.(job, error);
        if (job !== null)
          await client
            .fail({ jobId: job.jobId, error: errorMessage(error).slice(0, 2000) })
            .catch(() => undefined);
        else await pause(opts.idleMs ?? 2_000, stopping.signal);
      }
    }
  }

  const done = Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, () => slot())).then(
    () => undefined,
  );
  return {
    done,
    stop: async () => {
      stopping.abort();
      await done;
    },
    abandon: async () => {
      killed.abort();
      stopping.abort();
      await done;
    },
    captured: () => captured,
  };
}
