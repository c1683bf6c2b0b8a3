import { z } from 'zod';
import { CaptureRecord, SuspectedCsamFlag } from '@shared/domain/capture-record';
import { ResourceId, Sha256Hex } from '@shared/domain/ids';

/**
 * The capture workers' routes of a team server (`/workers/…` on the bridge, outside the RPC table):
 * a worker holds no session and no database credentials; each request is signed by its own
 * workstation key (electron/core/workers/signed-request.ts). These are the bodies on that wire,
 * parsed once on arrival on either side.
 */

export const WORKER_ROUTES = {
  claim: '/workers/claim',
  blob: '/workers/blobs/',
  submit: '/workers/captures',
  fail: '/workers/fail',
  mediaMatch: '/workers/media-match',
} as const;

/**
 * The server's do-not-possess terms for one job, read when the job is claimed: a worker applies
 * these, never its own data dir's flag, lists or settings. `matchMedia`: the server holds known-hash
 * lists or earlier assessments, so every medium is matched through `/workers/media-match`.
 */
export const JobMediaTerms = z
  .object({
    suspectedCsam: SuspectedCsamFlag.nullable(),
    screenshots: z.enum(['placeholders', 'none']),
    matchMedia: z.boolean(),
  })
  .strict();
export type JobMediaTerms = z.infer<typeof JobMediaTerms>;

/** One capture job as a worker receives it: what to capture, with which profile, for whom. */
export const ClaimedJob = z
  .object({
    jobId: z.string().min(1),
    resourceId: ResourceId,
    url: z.string().url(),
    profile: z.string().nullable(),
    requestedBy: z.string().min(1),
    /** Seconds the server waits before another worker may take the job over. */
    expireInSeconds: z.number().int().positive(),
    media: JobMediaTerms,
  })
  .strict();
export type ClaimedJob = z.infer<typeof ClaimedJob>;

/** `worker`: the name the unit registered this key under; the worker captures as `worker:<name>`. */
export const ClaimReply = z.object({ worker: z.string(), job: ClaimedJob.nullable() }).strict();
export type ClaimReply = z.infer<typeof ClaimReply>;

/** A sealed capture, uploaded after its blobs: the server rechecks every hash and the signature. */
export const SubmitCapture = z.object({ jobId: z.string().min(1), record: CaptureRecord }).strict();
export type SubmitCapture = z.infer<typeof SubmitCapture>;

export const SubmitReply = z.object({ captureId: z.string(), artifacts: z.number().int() }).strict();
export type SubmitReply = z.infer<typeof SubmitReply>;

/** A capture the worker could not finish: the job goes back to the queue (retry with backoff). */
export const FailJob = z.object({ jobId: z.string().min(1), error: z.string().max(2000) }).strict();
export type FailJob = z.infer<typeof FailJob>;

export const BlobReply = z.object({ sha256: Sha256Hex, bytes: z.number().int().nonnegative() }).strict();
export type BlobReply = z.infer<typeof BlobReply>;

/** One medium's hashes, as a worker asks the server's lists about it (never its bytes). */
export const MediaMatchQuery = z
  .object({
    sha256: Sha256Hex,
    md5: z.string().regex(/^[0-9a-f]{32}$/),
    pdq: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable(),
    pdqQuality: z.number().int().min(0).max(100).nullable(),
  })
  .strict();
export type MediaMatchQuery = z.infer<typeof MediaMatchQuery>;

/** The first list entry it matched and the newest assessment of it (or a PDQ-near item), if any. */
export const MediaMatchReply = z
  .object({
    match: z
      .object({ list: z.string(), version: z.string(), label: z.string(), how: z.string() })
      .strict()
      .nullable(),
    prior: z
      .object({ label: z.string(), assessedBy: z.string(), assessedAt: z.string(), by: z.string() })
      .strict()
      .nullable(),
  })
  .strict();
export type MediaMatchReply = z.infer<typeof MediaMatchReply>;

/** A registered worker as `vigil worker list` shows it. */
export const WorkerInfo = z
  .object({
    name: z.string(),
    keyId: z.string(),
    certificateSha256: z.string(),
    addedAt: z.string(),
    addedBy: z.string(),
  })
  .strict();
export type WorkerInfo = z.infer<typeof WorkerInfo>;
