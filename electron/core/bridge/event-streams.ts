import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Backend } from '../backend';
import type { BridgeSession } from './bridge-sessions';

const HEARTBEAT_MS = 15_000;
/** Another process (the CLI) may disable the user: each signed-in stream re-reads its user this often. */
const RECHECK_MS = 2_000;
/** Actions after which a stream's session may no longer hear events: it is closed before they reach it. */
const ACCESS_ACTIONS: ReadonlySet<string> = new Set(['user.updated', 'session.revoked', 'session.expired']);

export type EventStreams = Readonly<{
  open: (req: IncomingMessage, res: ServerResponse, entry: BridgeSession) => void;
  /** Closes every stream of a session that has ended (expired, or the bridge is closing). */
  closeFor: (entry: BridgeSession) => void;
  closeAll: () => void;
}>;

/**
 * `GET /events` (server-sent events). A stream belongs to the sign-in state it was opened with:
 * when its session's user changes (sign-out, sign-in as someone else), the user is disabled or
 * removed, or the session ends, it is closed at once — before the event that changed it is
 * written — and the page's EventSource reconnects under the new state.
 */
export function createEventStreams(backend: Backend): EventStreams {
  const open = new Map<ServerResponse, { entry: BridgeSession; close: () => void }>();

  function start(req: IncomingMessage, res: ServerResponse, entry: BridgeSession): void {
    const openedAs = entry.session.user?.id ?? null;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write('retry: 1000\n: connected\n\n');
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearInterval(recheck);
      unsubscribe();
      open.delete(res);
      res.end();
    };
    const stale = (): boolean => (entry.session.user?.id ?? null) !== openedAs;
    const unsubscribe = backend.events.subscribe((event) => {
      const user = entry.session.user;
      if (stale()) return close();
      // Events describe evidence: only a signed-in session hears them.
      if (user === null) return;
      if (event.name === 'audit.appended' && ACCESS_ACTIONS.has(event.payload.action)) {
        if (event.payload.subject === `user:${user.name}`) {
          close();
          // The session itself is re-read now (and revoked, with its custody row, if disabled).
          backend.refreshSession(entry.session, 'events').catch(() => undefined);
          return;
        }
      }
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const recheck = setInterval(() => {
      if (entry.session.user === null) return;
      backend
        .refreshSession(entry.session, 'events')
        .then(() => {
          if (stale()) close();
        })
        .catch(() => close());
    }, RECHECK_MS);
    recheck.unref();
    open.set(res, { entry, close });
    req.on('close', close);
    res.on('error', close);
  }

  return {
    open: start,
    closeFor: (entry) => {
      for (const stream of [...open.values()]) if (stream.entry === entry) stream.close();
    },
    closeAll: () => {
      for (const stream of [...open.values()]) stream.close();
    },
  };
}
