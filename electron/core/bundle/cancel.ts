import { AppError, isAppError } from '@shared/errors/app-error';

/**
 * Long bundle operations (verify, import, export) started over the wire stop when their client goes
 * away or their overall deadline passes, instead of hashing on for a caller no longer there.
 */
export const DEFAULT_WIRE_DEADLINE_MS = 30 * 60 * 1000;

export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return;
  const reason: unknown = signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  throw new AppError(
    'bundle.cancelled',
    timedOut
      ? 'the bundle operation ran past its deadline and was stopped'
      : 'the client went away; the bundle operation was stopped',
  );
}

export const isCancelled = (error: unknown): boolean =>
  isAppError(error) && error.code === 'bundle.cancelled';

/** The client's signal joined with the overall deadline. */
export function wireSignal(client: AbortSignal | undefined, deadlineMs: number): AbortSignal {
  const deadline = AbortSignal.timeout(deadlineMs);
  return client === undefined ? deadline : AbortSignal.any([client, deadline]);
}
