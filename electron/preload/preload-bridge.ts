import type { Transport } from '@shared/contract/client';
import type { Envelope } from '@shared/contract/envelope';
import type { AnyEvent } from '@shared/contract/events';
import { errorMessage } from '@shared/errors/app-error';

/** What the bridge needs of `ipcRenderer`; the object itself never reaches the page. */
export type IpcRendererLike = Readonly<{
  invoke: (channel: string, ...args: unknown[]) => Promise<unknown>;
  on: (channel: string, listener: (event: unknown, payload: unknown) => void) => unknown;
  removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) => unknown;
}>;

// Kept in step with electron/main/origins.ts; the sandboxed preload bundles only what it imports.
const INVOKE_CHANNEL = 'vigil:invoke';
const EVENT_CHANNEL = 'vigil:event';
const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_METHOD = 100;

const refused = (message: string): Envelope<unknown> => ({
  ok: false,
  error: { code: 'rpc.invalid-input', message },
});

const isEnvelope = (value: unknown): value is Envelope<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';

const isEvent = (value: unknown): value is AnyEvent =>
  typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';

/**
 * `window.vigil`: exactly the Transport of the contract. Arguments are checked here as well as in
 * main, so a page bug fails fast with an envelope instead of an IPC exception; the IPC event object
 * (which exposes the sender) is never handed to the page.
 */
export function createPreloadBridge(ipc: IpcRendererLike): Transport {
  return {
    async invoke(method, input) {
      if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD) {
        return refused('method must be a non-empty string of at most 100 characters');
      }
      try {
        const reply = await ipc.invoke(INVOKE_CHANNEL, method, input ?? {});
        return isEnvelope(reply)
          ? reply
          : { ok: false, error: { code: 'internal.unexpected', message: 'malformed reply' } };
      } catch (error) {
        // Structured-clone failures (a function or DOM node in the input) land here.
        return refused(`the request could not be sent: ${errorMessage(error)}`);
      }
    },
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('subscribe needs a function');
      const onEvent = (_event: unknown, payload: unknown): void => {
        if (isEvent(payload)) listener(payload);
      };
      ipc.on(EVENT_CHANNEL, onEvent);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        ipc.removeListener(EVENT_CHANNEL, onEvent);
      };
    },
    artifactUrl(sha256) {
      if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256))
        throw new TypeError('artifactUrl needs a 64-character lowercase hex SHA-256');
      return `evidence://blob/${sha256}`;
    },
  };
}
