import type { Transport } from '@shared/contract/client';
import type { Envelope } from '@shared/contract/envelope';
import { EnvelopeSchema } from '@shared/contract/envelope';
import type { AnyEvent, EventName } from '@shared/contract/index';
import { EVENTS } from '@shared/contract/index';
import type { ErrorCode } from '@shared/errors/app-error';

/** What the Electron preload exposes on `window.vigil` (DESIGN §2.1). */
export type PreloadBridge = Transport;

const failure = (code: ErrorCode, message: string, details?: unknown): Envelope<unknown> => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
});

/**
 * Turns an HTTP reply of the bridge into an envelope. The bridge answers 200 for every envelope;
 * anything else (401 without the session cookie, a proxy's HTML page, a crash) becomes an error
 * envelope so callers handle one shape only.
 */
export function envelopeFromHttp(status: number, body: unknown): Envelope<unknown> {
  const parsed = EnvelopeSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  if (status === 401) return failure('auth.bad-token', 'The session is not authorised.');
  if (status === 403) return failure('auth.forbidden', 'The bridge refused the request.');
  return failure('internal.unexpected', `Unexpected reply from the bridge (HTTP ${status}).`, { status });
}

/** Parses one SSE `data:` payload; events that don't match the contract are dropped, not guessed at. */
export function eventFromData(data: string): AnyEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { name, payload } = raw as { name?: unknown; payload?: unknown };
  if (typeof name !== 'string' || !Object.hasOwn(EVENTS, name)) return null;
  const schema = EVENTS[name as EventName];
  const checked = schema.safeParse(payload);
  if (!checked.success) return null;
  return { name, payload: checked.data } as AnyEvent;
}

type EventSourceLike = Readonly<{
  addEventListener: (type: 'message', listener: (event: { data: string }) => void) => void;
  close: () => void;
}>;

export type HttpTransportOptions = Readonly<{
  /** Origin of the bridge, '' for the same origin as the page. */
  baseUrl: string;
  fetch: typeof fetch;
  openEvents: (url: string) => EventSourceLike;
  /**
   * The bridge session's key (handed to the page at sign-in, kept in sessionStorage): sent with every
   * call, since the session cookie alone, which reaches every port of 127.0.0.1, opens nothing.
   */
  sessionKey?: string | null;
}>;

/** Where the sign-in page of the bridge leaves the session key (electron/core/bridge/sign-in-page.ts). */
export const SESSION_STORAGE_KEY = 'vigil.sessionKey';

/** The loopback bridge of `vigil serve`: POST /rpc, GET /events (SSE), GET /artifacts/<sha256>. */
export function createHttpTransport(options: HttpTransportOptions): Transport {
  const listeners = new Set<(event: AnyEvent) => void>();
  let source: EventSourceLike | null = null;
  const key = options.sessionKey ?? '';
  // EventSource, <img> and <object> cannot send headers: those GET routes take the key as a path prefix.
  const withKey = (path: string): string =>
    `${options.baseUrl}${key === '' ? '' : `/s/${encodeURIComponent(key)}`}${path}`;

  const open = () => {
    // One stream for the whole page; EventSource reconnects by itself after a drop.
    source = options.openEvents(withKey('/events'));
    source.addEventListener('message', (message) => {
      const event = eventFromData(message.data);
      if (event === null) return;
      for (const listener of [...listeners]) listener(event);
    });
  };

  return {
    async invoke(method, input) {
      let response: Response;
      try {
        response = await options.fetch(`${options.baseUrl}/rpc`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-Vigil-Request': '1',
            ...(key === '' ? {} : { 'X-Vigil-Session': key }),
          },
          body: JSON.stringify({ method, input: input ?? {} }),
          credentials: 'same-origin',
        });
      } catch (error) {
        return failure('internal.unexpected', 'The workstation cannot be reached.', {
          reason: error instanceof Error ? error.message : String(error),
        });
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      return envelopeFromHttp(response.status, body);
    },
    subscribe(listener) {
      listeners.add(listener);
      if (source === null) open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source !== null) {
          source.close();
          source = null;
        }
      };
    },
    artifactUrl: (sha256) => withKey(`/artifacts/${encodeURIComponent(sha256)}`),
    // A plain link (a download) cannot send the session header: the key goes in the path prefix.
    exportDownloadUrl: (name) => withKey(`/exports/${encodeURIComponent(name)}`),
  };
}

const isBridge = (value: unknown): value is PreloadBridge =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { invoke?: unknown }).invoke === 'function' &&
  typeof (value as { subscribe?: unknown }).subscribe === 'function' &&
  typeof (value as { artifactUrl?: unknown }).artifactUrl === 'function';

/** The preload bridge inside Electron, else the HTTP bridge on the page's own origin. */
export function chooseTransport(win: Window & { vigil?: unknown }): Transport {
  if (isBridge(win.vigil)) return win.vigil;
  return createHttpTransport({
    baseUrl: '',
    fetch: (input, init) => win.fetch(input, init),
    openEvents: (url) => new EventSource(url),
    sessionKey: readSessionKey(win),
  });
}

function readSessionKey(win: Window): string | null {
  try {
    return win.sessionStorage.getItem(SESSION_STORAGE_KEY);
  } catch {
    // Storage can be disabled; the bridge then refuses the calls and the page says to sign in again.
    return null;
  }
}
