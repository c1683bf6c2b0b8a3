import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Session } from '../rpc/dispatch';

/** How long a sign-in link works (it works once), and how long a session lives. */
export type SessionLifetimes = Readonly<{
  linkMs: number;
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after its link was opened, however busy it is. */
  absoluteMs: number;
}>;

export const DEFAULT_LIFETIMES: SessionLifetimes = {
  linkMs: 60_000,
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 60 * 60_000,
};

/**
 * The header that carries the session key, and for GET routes a page cannot add headers to
 * (EventSource, <img>, <object>) the path prefix `/s/<key>/…` (`/s/<key>/artifacts/<sha256>`).
 */
export const SESSION_KEY_HEADER = 'x-vigil-session';
const KEYED_PATH = /^\/s\/([A-Za-z0-9_-]{43})(\/.*)$/;

/** The key a request carries (header first, else the path prefix) and the path without the prefix. */
export function keyOf(req: IncomingMessage, pathname: string): { key: string; pathname: string } {
  const header = req.headers[SESSION_KEY_HEADER];
  const keyed = KEYED_PATH.exec(pathname);
  const path = keyed?.[2] ?? pathname;
  if (typeof header === 'string') return { key: header, pathname: path };
  return { key: keyed?.[1] ?? '', pathname: path };
}

export type BridgeSession = {
  readonly sid: string;
  /** Held by the page in memory (sessionStorage of its own origin, which includes the port). */
  readonly key: string;
  readonly session: Session;
  readonly createdAtMs: number;
  lastSeenMs: number;
};

export type SessionLookup =
  | Readonly<{ state: 'ok'; entry: BridgeSession }>
  | Readonly<{ state: 'expired'; entry: BridgeSession }>
  | Readonly<{ state: 'none' }>;

export type BridgeSessions = Readonly<{
  /** Cookies ignore ports: the name carries ours, so two bridges on one host never share a cookie. */
  cookieName: string;
  /** A fresh one-time sign-in token, valid for `linkMs`. */
  mintLink: () => string;
  /** Consumes the token (once, before it expires) and opens a session; null otherwise. */
  redeem: (token: string) => BridgeSession | null;
  /** Opens a session for a sign-in state proven another way (a team server's password sign-in). */
  open: (session: Session) => BridgeSession;
  /**
   * The session named by the request's cookie. With `needKey`, the request must also carry the
   * session's key: a cookie replayed by a listener on another port (cookies reach every port of
   * 127.0.0.1) does not carry it, so it opens nothing.
   */
  lookup: (req: IncomingMessage, key: string, needKey: boolean) => SessionLookup;
  /** Sessions past their idle or absolute lifetime, removed from the table. */
  takeExpired: () => BridgeSession[];
  end: (sid: string) => void;
}>;

const random = (): string => randomBytes(32).toString('base64url');

export const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function cookieOf(req: IncomingMessage, name: string): string | null {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

export function createBridgeSessions(
  port: number,
  clock: () => Date,
  lifetimes: SessionLifetimes,
): BridgeSessions {
  const links = new Map<string, number>();
  const sessions = new Map<string, BridgeSession>();
  const now = (): number => clock().getTime();
  const expired = (s: BridgeSession, at: number): boolean =>
    at - s.lastSeenMs > lifetimes.idleMs || at - s.createdAtMs > lifetimes.absoluteMs;
  const open = (session: Session): BridgeSession => {
    const at = now();
    const entry: BridgeSession = { sid: random(), key: random(), session, createdAtMs: at, lastSeenMs: at };
    sessions.set(entry.sid, entry);
    return entry;
  };

  return {
    cookieName: `vigil_session_${port}`,
    mintLink() {
      const at = now();
      for (const [token, expires] of links) if (expires <= at) links.delete(token);
      const token = random();
      links.set(token, at + lifetimes.linkMs);
      return token;
    },
    redeem(given) {
      const at = now();
      let found: string | null = null;
      for (const token of links.keys()) if (safeEqual(token, given)) found = token;
      if (found === null) return null;
      const expires = links.get(found) ?? 0;
      // One use only, whether or not it was still valid.
      links.delete(found);
      if (expires <= at) return null;
      return open({ user: null });
    },
    open,
    lookup(req, key, needKey) {
      const sid = cookieOf(req, `vigil_session_${port}`);
      const entry = sid === null ? undefined : sessions.get(sid);
      if (entry === undefined) return { state: 'none' };
      if (needKey && !safeEqual(key, entry.key)) return { state: 'none' };
      const at = now();
      if (expired(entry, at)) {
        sessions.delete(entry.sid);
        return { state: 'expired', entry };
      }
      // Only a request that proves the key keeps a session alive; the cookie alone does not.
      if (needKey) entry.lastSeenMs = at;
      return { state: 'ok', entry };
    },
    takeExpired() {
      const at = now();
      const gone = [...sessions.values()].filter((s) => expired(s, at));
      for (const s of gone) sessions.delete(s.sid);
      return gone;
    },
    end: (sid) => void sessions.delete(sid),
  };
}
