import { AppError, isErrorCode } from '../errors/app-error';
import type { Envelope } from './envelope';
import type { AnyEvent } from './events';
import type { MethodInput, MethodName, MethodOutput } from './index';

/** How the renderer (or a test) reaches the backend: the preload bridge or the HTTP bridge. */
export type Transport = Readonly<{
  invoke: (method: string, input: unknown) => Promise<Envelope<unknown>>;
  subscribe: (listener: (event: AnyEvent) => void) => () => void;
  artifactUrl: (sha256: string) => string;
}>;

export type Client = Readonly<{
  call: <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>;
  subscribe: Transport['subscribe'];
  artifactUrl: Transport['artifactUrl'];
}>;

/** Typed calls over any transport; a failed envelope becomes an AppError with the same code. */
export function createClient(transport: Transport): Client {
  return {
    async call(method, input) {
      const reply = await transport.invoke(method, input);
      if (reply.ok) return reply.value as MethodOutput<typeof method>;
      const code = isErrorCode(reply.error.code) ? reply.error.code : 'internal.unexpected';
      throw new AppError(code, reply.error.message, reply.error.details);
    },
    subscribe: (listener) => transport.subscribe(listener),
    artifactUrl: (sha256) => transport.artifactUrl(sha256),
  };
}
