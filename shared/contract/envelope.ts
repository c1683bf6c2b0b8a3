import { z } from 'zod';
import { ERROR_CODES, type ErrorPayload } from '../errors/app-error';

/** Every reply on every transport (IPC, HTTP) has this shape (DESIGN §2.1). */
export type Envelope<T> = Readonly<{ ok: true; value: T }> | Readonly<{ ok: false; error: ErrorPayload }>;

export const ErrorPayloadSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.unknown().optional(),
});

export const EnvelopeSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ErrorPayloadSchema }),
]);

/** The request body of the one invoke channel. */
export const RpcRequest = z.object({ method: z.string().min(1).max(100), input: z.unknown() });
export type RpcRequest = z.infer<typeof RpcRequest>;
