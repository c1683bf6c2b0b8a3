import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Envelope } from '@shared/contract/envelope';
import type { ErrorPayload } from '@shared/errors/app-error';
import type { Backend } from '../backend';
import type { Session } from '../rpc/dispatch';
import { errorBody, readBody, sendJson } from './bridge-http';
import { SESSION_KEY_HEADER, type BridgeSession, type BridgeSessions } from './bridge-sessions';
import { signInPage } from './sign-in-page';

/** `GET /sign-in` (the form) and `POST /auth/password` (a form post, or JSON from a program). */
export const PASSWORD_PAGE_PATH = '/sign-in';
export const PASSWORD_AUTH_PATH = '/auth/password';

/** The form needs no script; it posts only to this server and is never framed. */
const FORM_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** The page that hands the new session key to sessionStorage: our own script only. */
const KEY_PAGE_CSP = "default-src 'none'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'";
/** A name and a password are short; a bigger body is not a sign-in. */
const MAX_SIGN_IN_BODY = 8 * 1024;
/** Addresses whose failures are remembered; the oldest is forgotten beyond this. */
const MAX_CLIENTS = 4096;

export type PasswordSignInDeps = Readonly<{
  backend: Backend;
  sessions: () => BridgeSessions;
  /** The Origin values of this server's own pages (a sign-in posted from another site is refused). */
  origins: () => readonly string[];
  cookieFor: (entry: BridgeSession) => string;
}>;

export type PasswordSignIn = Readonly<{
  page: (res: ServerResponse) => void;
  signIn: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}>;

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The sign-in form; a refused attempt shows it again with the reason. */
export function passwordForm(message: string | null): string {
  const notice = message === null ? '' : `<p role="alert" style="color:#b00020">${escapeHtml(message)}</p>`;
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>Vigil — sign in</title></head>` +
    `<body style="font-family:sans-serif;max-width:22rem;margin:4rem auto"><h1>Vigil</h1>${notice}` +
    `<form method="post" action="${PASSWORD_AUTH_PATH}">` +
    `<p><label>Name<br><input name="name" autocomplete="username" required maxlength="64"></label></p>` +
    `<p><label>Password<br><input name="password" type="password" autocomplete="current-password" required></label></p>` +
    `<p><button type="submit">Sign in</button></p></form></body></html>`
  );
}

/**
 * The form's own policy: under `no-referrer` a browser sends `Origin: null` with the form's POST, which
 * the login-CSRF check must refuse; `same-origin` names this server to itself and nothing to any other.
 */
const FORM_REFERRER = 'same-origin';

function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  csp: string,
  cookie?: string,
  referrer = 'no-referrer',
): void {
  res.writeHead(status, {
    ...(cookie === undefined ? {} : { 'Set-Cookie': cookie }),
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': referrer,
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

type Credentials = { name: string; password: string };

async function credentialsOf(req: IncomingMessage, json: boolean): Promise<Credentials | null> {
  const text = await readBody(req, MAX_SIGN_IN_BODY).catch(() => null);
  if (text === null) return null;
  let name: unknown;
  let password: unknown;
  if (json) {
    try {
      ({ name, password } = JSON.parse(text) as Record<string, unknown>);
    } catch {
      return null;
    }
  } else {
    const form = new URLSearchParams(text);
    name = form.get('name');
    password = form.get('password');
  }
  return typeof name === 'string' && typeof password === 'string' ? { name, password } : null;
}

const statusOf = (error: ErrorPayload): number =>
  error.code === 'auth.too-many-attempts' ? 429 : error.code === 'rpc.invalid-input' ? 400 : 401;

/**
 * A team server's sign-in: name and password, no link. Each attempt is the backend's
 * `session.signIn`, so the per-user backoff, the lockout and their custody rows are exactly the
 * ones of every other sign-in. The "client" of the per-client backoff is the remote address: its
 * attempts run one at a time on one anonymous session, which becomes the new session on success
 * (and the address starts afresh, as a success clears the count anyway).
 */
export function createPasswordSignIn(deps: PasswordSignInDeps): PasswordSignIn {
  const clients = new Map<string, Session>();
  const queues = new Map<string, Promise<void>>();

  const clientOf = (address: string): Session => {
    const known = clients.get(address) ?? { user: null };
    clients.delete(address);
    if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value ?? '');
    clients.set(address, known);
    return known;
  };

  // One attempt per address at a time: two attempts on one session could hand one user's sign-in to another.
  function serially<T>(address: string, work: () => Promise<T>): Promise<T> {
    const run = (queues.get(address) ?? Promise.resolve()).then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(address, settled);
    void settled.then(() => {
      if (queues.get(address) === settled) queues.delete(address);
    });
    return run;
  }

  async function attempt(
    address: string,
    given: Credentials,
  ): Promise<{ reply: Envelope<unknown>; entry: BridgeSession | null }> {
    return serially(address, async () => {
      const client = clientOf(address);
      const reply = await deps.backend.dispatch(client, 'session.signIn', given);
      if (!reply.ok) return { reply, entry: null };
      clients.delete(address);
      return { reply, entry: deps.sessions().open(client) };
    });
  }

  return {
    page: (res) => sendHtml(res, 200, passwordForm(null), FORM_CSP, undefined, FORM_REFERRER),
    async signIn(req, res) {
      const json = (req.headers['content-type'] ?? '').startsWith('application/json');
      const origin = req.headers.origin;
      const site = req.headers['sec-fetch-site'];
      // Login CSRF: a page elsewhere must not sign this browser in as someone else.
      if (
        (origin !== undefined && !deps.origins().includes(origin)) ||
        site === 'cross-site' ||
        site === 'same-site'
      )
        return sendJson(
          res,
          403,
          errorBody({ code: 'auth.forbidden', message: 'sign in from this server’s own page' }),
        );
      const given = await credentialsOf(req, json);
      if (given === null)
        return sendJson(
          res,
          400,
          errorBody({ code: 'rpc.invalid-input', message: 'expected a name and a password' }),
        );
      const { reply, entry } = await attempt(req.socket.remoteAddress ?? '', given);
      if (!reply.ok) {
        if (json) return sendJson(res, statusOf(reply.error), reply);
        return sendHtml(
          res,
          statusOf(reply.error),
          passwordForm(reply.error.message),
          FORM_CSP,
          undefined,
          FORM_REFERRER,
        );
      }
      const signed = entry as BridgeSession;
      const cookie = deps.cookieFor(signed);
      if (json) return sendJson(res, 200, reply, { 'Set-Cookie': cookie, [SESSION_KEY_HEADER]: signed.key });
      // The page keeps the key in its sessionStorage and moves on to the app, as after a link.
      return sendHtml(res, 200, signInPage(signed.key), KEY_PAGE_CSP, cookie);
    },
  };
}
