import { z } from 'zod';
import { CaptureStage } from '@shared/domain/capture-stage';
import { AuditRow } from './methods/custody';

/**
 * Server → UI events on the one event channel. Each area adds its own schemas here; the payload
 * of every event is validated by the emitter before it leaves the backend.
 */
export const EVENTS = {
  'audit.appended': AuditRow,
  /** Something about a resource changed (state, a new capture, a decision): the UI refetches it. */
  'resource.changed': z.object({ resourceId: z.string(), state: z.string().optional() }),
  'capture.progress': z.object({
    captureId: z.string(),
    resourceId: z.string(),
    url: z.string(),
    stage: CaptureStage,
    status: z.enum(['running', 'complete', 'partial', 'failed', 'cancelled']),
    elapsedMs: z.number().nonnegative(),
    warnings: z.array(z.object({ code: z.string(), message: z.string() })),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
  'queue.changed': z.object({
    waiting: z.number().int(),
    running: z.number().int(),
    concurrency: z.number().int(),
  }),
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = z.infer<(typeof EVENTS)[E]>;
export type AnyEvent = { [E in EventName]: Readonly<{ name: E; payload: EventPayload<E> }> }[EventName];
