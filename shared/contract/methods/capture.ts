import { z } from 'zod';
import { CaptureRecord, Warning } from '@shared/domain/capture-record';
import { CaptureStage } from '@shared/domain/capture-stage';
import { CaptureId, ResourceId } from '@shared/domain/ids';
import { defineMethods } from '../define';

export const CaptureProfileSummary = z.object({
  name: z.string(),
  viewport: z.object({
    width: z.number(),
    height: z.number(),
    deviceScaleFactor: z.number(),
    isMobile: z.boolean(),
  }),
  userAgent: z.string().nullable(),
  acceptLanguage: z.string(),
  timeZone: z.string(),
  proxy: z.string().nullable(),
  allowPrivateNetwork: z.boolean(),
  timeoutSeconds: z.number(),
});
export type CaptureProfileSummary = z.infer<typeof CaptureProfileSummary>;

export const QueueItem = z.object({
  resourceId: ResourceId,
  url: z.string(),
  captureId: CaptureId.nullable(),
  stage: CaptureStage,
  status: z.enum(['waiting', 'running', 'complete', 'partial', 'failed', 'cancelled']),
  elapsedMs: z.number(),
  warnings: z.array(Warning),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** On a team server: the capture worker holding the job (while running). */
  worker: z.string().optional(),
  /** On a team server: attempts after the first (a failed or expired attempt is retried). */
  retries: z.number().int().optional(),
});
export type QueueItem = z.infer<typeof QueueItem>;

export const QueueStatus = z.object({
  items: z.array(QueueItem),
  concurrency: z.number().int(),
  /**
   * True on a team server: its capture workers capture, each with its own slots, and `concurrency`
   * counts the workers busy now; the parallel-capture setting is a workstation's.
   */
  captureWorkers: z.boolean().optional(),
  waiting: z.number().int(),
  running: z.number().int(),
});
export type QueueStatus = z.infer<typeof QueueStatus>;

export const captureMethods = defineMethods({
  /** Queues captures of existing resources; progress arrives as `capture.progress` events. */
  'capture.enqueue': {
    input: z
      .object({ resourceIds: z.array(ResourceId).min(1).max(10_000), profile: z.string().max(64).optional() })
      .strict(),
    output: z.object({ queued: z.number().int() }),
    access: ['investigator', 'admin'],
  },
  'capture.get': { input: z.object({ id: CaptureId }).strict(), output: CaptureRecord, access: 'signed-in' },
  'queue.status': { input: z.object({}).strict(), output: QueueStatus, access: 'signed-in' },
  'queue.cancel': {
    input: z.object({ resourceId: ResourceId }).strict(),
    output: z.null(),
    access: ['investigator', 'admin'],
  },
  'queue.retry': {
    input: z.object({ resourceId: ResourceId }).strict(),
    output: z.null(),
    access: ['investigator', 'admin'],
  },
  'queue.setConcurrency': {
    input: z.object({ concurrency: z.number().int().min(1).max(8) }).strict(),
    output: z.null(),
    access: ['investigator', 'admin'],
  },
  'profiles.list': {
    input: z.object({}).strict(),
    output: z.array(CaptureProfileSummary),
    access: 'signed-in',
  },
});
