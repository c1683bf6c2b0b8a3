import { createContext, useCallback, useContext, useEffect, useEffectEvent, useState } from 'react';
import type { ReactNode } from 'react';
import type { Client } from '@shared/contract/client';
import type { EventName, EventPayload } from '@shared/contract/index';
import type { MethodInput, MethodName, MethodOutput } from '@shared/contract/index';
import { AppError } from '@shared/errors/app-error';

const ClientContext = createContext<Client | null>(null);

export function ApiProvider({ client, children }: Readonly<{ client: Client; children: ReactNode }>) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): Client {
  const client = useContext(ClientContext);
  if (client === null) throw new AppError('internal.unexpected', 'useClient outside ApiProvider');
  return client;
}

/** Anything thrown by a call, as an AppError (a bug in the UI shows as internal.unexpected, not a blank page). */
export const toAppError = (error: unknown): AppError =>
  error instanceof AppError
    ? error
    : new AppError('internal.unexpected', error instanceof Error ? error.message : String(error));

export type Query<T> = Readonly<{
  data: T | undefined;
  error: AppError | undefined;
  loading: boolean;
  reload: () => void;
}>;

type Settled<T> = Readonly<{ key: string; tick: number; data?: T; error?: AppError }>;

/**
 * Calls a method when the input changes (compared by its JSON) and on `reload()`. The last answer
 * stays visible while a new one loads so lists don't flash empty between pages or filters.
 */
export function useQuery<M extends MethodName>(
  method: M,
  input: MethodInput<M>,
  enabled = true,
): Query<MethodOutput<M>> {
  const client = useClient();
  const key = JSON.stringify([method, input]);
  const [tick, setTick] = useState(0);
  const [settled, setSettled] = useState<Settled<MethodOutput<M>> | null>(null);

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const [name, args] = JSON.parse(key) as [M, MethodInput<M>];
    void client.call(name, args).then(
      (data) => {
        if (live) setSettled({ key, tick, data });
      },
      (error: unknown) => {
        if (live) setSettled({ key, tick, error: toAppError(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [client, key, tick, enabled]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const current = settled !== null && settled.key === key && settled.tick === tick;
  return {
    data: settled?.data,
    error: current ? settled.error : undefined,
    loading: enabled && !current,
    reload,
  };
}

export type Action<A extends unknown[], T> = Readonly<{
  run: (...args: A) => Promise<T | undefined>;
  pending: boolean;
  error: AppError | undefined;
  result: T | undefined;
  reset: () => void;
}>;

/** A user-triggered call: tracks pending/error/result; the error is shown, never thrown at React. */
export function useAction<A extends unknown[], T>(
  fn: (client: Client, ...args: A) => Promise<T>,
): Action<A, T> {
  const client = useClient();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<AppError | undefined>(undefined);
  const [result, setResult] = useState<T | undefined>(undefined);
  const run = async (...args: A): Promise<T | undefined> => {
    setPending(true);
    setError(undefined);
    try {
      const value = await fn(client, ...args);
      setResult(value);
      return value;
    } catch (caught) {
      setError(toAppError(caught));
      return undefined;
    } finally {
      setPending(false);
    }
  };
  const reset = () => {
    setError(undefined);
    setResult(undefined);
  };
  return { run, pending, error, result, reset };
}

/** Calls `handler` for every event named `name` while the component is mounted. */
export function useEvent<E extends EventName>(name: E, handler: (payload: EventPayload<E>) => void): void {
  const client = useClient();
  const onEvent = useEffectEvent(handler);
  useEffect(
    () =>
      client.subscribe((event) => {
        if (event.name === name) onEvent(event.payload as EventPayload<E>);
      }),
    [client, name],
  );
}
