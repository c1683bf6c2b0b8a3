import { AppError, isErrorCode } from '../errors/app-error';
import type { Envelope } from './envelope';
import type { AnyEvent } from './events';
import type { MethodInput, MethodName, MethodOutput } from './index';

/** How the renderer (or a test) reaches the backend: the preload bridge or the HTTP bridge. */
export type Transport = Readonly<{
  invoke: (method: string, input: unknown) => Promise<Envelope<unknown>>;
  subscribe: (listener: (event: AnyEvent) => void) => () => void;
  artifactUrl: (sha256: string) => string;
  /**
   * The download link of a finished bundle of the server's exports/ folder, by name. Only the HTTP
   * bridge (the browser UI) has one: the desktop shell writes bundles where its dialog chose.
   */
  exportDownloadUrl?: (name: string) => string;
}>;

export type Client = Readonly<{
  call: <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>;
  subscribe: Transport['subscribe'];
  artifactUrl: Transport['artifactUrl'];
  exportDownloadUrl?: (name: string) => string;
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
    ...(transport.exportDownloadUrl !== undefined ? { exportDownloadUrl: transport.exportDownloadUrl } : {}),
  };
}
