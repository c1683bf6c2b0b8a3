/** Thrown when a bounded step runs past its deadline; callers turn it into a warning or an outcome. */
export class DeadlineError extends Error {
  constructor(readonly label: string) {
    super(`${label} did not finish before its deadline`);
    this.name = 'DeadlineError';
  }
}

export class CancelledError extends Error {
  constructor() {
    super('The capture was cancelled');
    this.name = 'CancelledError';
  }
}

/**
 * Races a step against a deadline (a `Date.now()`-based instant, never a recorded time) and an
 * optional abort signal. The step itself is not stopped: closing the browser context ends it.
 */
export async function bounded<T>(
  step: Promise<T>,
  deadline: number,
  label: string,
  signal?: AbortSignal,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(label)), Math.max(0, deadline - Date.now()));
    if (signal) {
      if (signal.aborted) reject(new CancelledError());
      onAbort = () => reject(new CancelledError());
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  // The losing side of the race must not surface later as an unhandled rejection.
  step.catch(() => undefined);
  try {
    return await Promise.race([step, guard]);
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener('abort', onAbort);
  }
}
