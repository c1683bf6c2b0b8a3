import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { RpcRequest } from '@shared/contract/envelope';
import type { Backend } from '../backend';
import { createArtifactAccess, REVEAL_REQUIRED_MESSAGE } from '../media/artifact-access';
import type { Session } from '../rpc/dispatch';
import type { MigrationRoutes } from '../migrate-server/migration-routes';
import type { WorkerRoutes } from '../workers/worker-routes';
import {
  createBridgeSessions,
  DEFAULT_LIFETIMES,
  keyOf,
  SESSION_KEY_HEADER,
  type BridgeSession,
  type SessionLifetimes,
  type BridgeSessions,
} from './bridge-sessions';
import { errorBody, readBody, sendJson } from './bridge-http';
import { listenBridge, type BridgeTls } from './bridge-listen';
import { createEventStreams } from './event-streams';
import { createExportDownloads, EXPORT_DOWNLOAD_PREFIX } from './export-download';
import { PACKET_CSP } from './packet-csp';
import { createPasswordSignIn, PASSWORD_AUTH_PATH, PASSWORD_PAGE_PATH } from './password-sign-in';
import { SIGN_IN_SCRIPT, SIGN_IN_SCRIPT_PATH, signInPage } from './sign-in-page';

export type HttpBridge = Readonly<{
  url: string;
  /**
   * A one-time sign-in link, valid for a minute (each read mints a new one): opening it sets the
   * session cookie and hands the page the session key. Print it, never log it elsewhere. With
   * password sign-in there are no links: this is the sign-in page.
   */
  readonly loginUrl: string;
  /** A one-time sign-in token for a form post to `/auth` (what `vigil serve`'s 0600 file sends). */
  newLoginToken: () => string;
  /** Ends the sessions past their lifetime and closes their event streams (also done every 15 s). */
  expireSessions: () => Promise<number>;
  close: () => Promise<void>;
}>;

export type HttpBridgeOptions = Readonly<{
  backend: Backend;
  port?: number;
  /** The listen address: 127.0.0.1 by default; any other address needs `tls`. */
  host?: string;
  /** Serve HTTPS with this certificate and key (cookies are then `Secure`). */
  tls?: BridgeTls;
  /** Names clients reach the server by (accepted in Host and Origin), besides the certificate's. */
  names?: readonly string[];
  /**
   * `link` (vigil serve): one-time links printed for the local user. `password` (a team server):
   * a sign-in page with name and password; links are not accepted.
   */
  signIn?: 'link' | 'password';
  /** The built renderer (out/renderer); null serves the API only. */
  staticDir: string | null;
  /** Session and link lifetimes are measured on this clock (the workspace's by default). */
  clock?: () => Date;
  lifetimes?: Partial<SessionLifetimes>;
  /** A team server's capture-worker routes (`/workers/…`), proven by each worker's key, not a session. */
  workerRoutes?: WorkerRoutes;
  /** A team server's `vigil migrate-to-server` routes (`/migrate/…`), in an administrator's session. */
  migrationRoutes?: MigrationRoutes;
}>;

const SWEEP_MS = 15_000;

/** The UI's CSP: its own scripts only; MUI's emotion needs inline styles; no framing of the app. */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/**
 * `vigil serve` and the e2e tests: the contract over loopback HTTP (DESIGN §2.1). Bound to 127.0.0.1
 * unless a team server (`vigil server`) listens elsewhere over HTTPS with password sign-in; a one-time sign-in link (valid a minute) opens a session: an HttpOnly SameSite=Strict cookie
 * named for our port plus a key the page holds (sessionStorage of its own origin) and sends with
 * every call (`X-Vigil-Session`, or the path prefix `/s/<key>/` where a page cannot set headers). Cookies reach every
 * port of 127.0.0.1, so the cookie alone opens nothing but the app's static files. Sessions end
 * after an idle and an absolute lifetime. The Host header must be our own (DNS rebinding) and RPC
 * calls need a custom header (no CORS, so a foreign page cannot send it).
 */
export async function startHttpBridge(opts: HttpBridgeOptions): Promise<HttpBridge> {
  const { backend } = opts;
  const clock = opts.clock ?? backend.workspace.clock;
  const lifetimes: SessionLifetimes = { ...DEFAULT_LIFETIMES, ...opts.lifetimes };
  const streams = createEventStreams(backend);
  const artifacts = createArtifactAccess(backend);
  const exportDownloads = createExportDownloads(backend);
  const staticRoot = opts.staticDir === null ? null : resolve(opts.staticDir);
  const signInMode = opts.signIn ?? 'link';
  let allowedHosts: readonly string[] = [];
  let allowedOrigins: readonly string[] = [];
  let secure = false;
  // Known once the server listens; no request is handled before that.
  let sessions: BridgeSessions | null = null;

  /** A session that ended: its streams close, and a signed-in one leaves a custody row. */
  async function ended(entry: BridgeSession): Promise<void> {
    streams.closeFor(entry);
    const user = entry.session.user;
    entry.session.user = null;
    // The user's unlocked key lives only as long as the session: captures sealing later are not co-signed.
    backend.sessionKeys.clear(entry.session);
    if (user === null) return;
    await backend.workspace.record((_tx, audit) =>
      audit({
        actor: user.name,
        action: 'session.expired',
        subject: `user:${user.name}`,
        details: { createdAt: new Date(entry.createdAtMs).toISOString() },
      }),
    );
  }

  const cookieFor = (entry: BridgeSession): string =>
    `${(sessions as BridgeSessions).cookieName}=${entry.sid}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
  const passwordSignIn = createPasswordSignIn({
    backend,
    sessions: () => sessions as BridgeSessions,
    origins: () => allowedOrigins,
    cookieFor,
  });
  const signInHint =
    signInMode === 'password'
      ? `sign in at ${PASSWORD_PAGE_PATH}`
      : 'open the sign-in link printed by `vigil serve`';

  async function serveStatic(res: ServerResponse, pathname: string): Promise<void> {
    if (staticRoot === null)
      return sendJson(res, 404, errorBody({ code: 'evidence.not-found', message: 'no UI is served here' }));
    const decoded = decodeURIComponent(pathname);
    let file = resolve(join(staticRoot, decoded));
    // Path-traversal guard: whatever the URL says, only files under the renderer folder are served.
    if (file !== staticRoot && !file.startsWith(staticRoot + sep)) {
      return sendJson(res, 403, errorBody({ code: 'auth.forbidden', message: 'outside the app' }));
    }
    let info = await stat(file).catch(() => null);
    if (info === null || info.isDirectory()) {
      // Client-side routes fall back to the app shell.
      file = join(staticRoot, 'index.html');
      info = await stat(file).catch(() => null);
      if (info === null)
        return sendJson(res, 404, errorBody({ code: 'evidence.not-found', message: 'the UI is not built' }));
    }
    res.writeHead(200, {
      'Content-Type': MEDIA_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Content-Security-Policy': APP_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  }

  async function serveArtifact(
    res: ServerResponse,
    session: Session,
    sha256: string,
    reveal: boolean,
  ): Promise<void> {
    if (!(await artifacts.signedIn(session, 'artifact')))
      return sendJson(res, 401, errorBody({ code: 'auth.not-signed-in', message: 'sign in first' }));
    // A sensitive image goes out blurred unless a reveal (a custody event) granted this one request.
    const blob = await artifacts.resolve(session, sha256, reveal);
    if (blob === null)
      return sendJson(res, 404, errorBody({ code: 'evidence.not-found', message: `no artifact ${sha256}` }));
    if (blob.variant === 'reveal-required')
      return sendJson(res, 403, errorBody({ code: 'auth.forbidden', message: REVEAL_REQUIRED_MESSAGE }));
    res.writeHead(200, {
      'Content-Type': blob.mediaType ?? 'application/octet-stream',
      'Content-Length': blob.bytes,
      // Evidence is shown, never run: a sandboxed, non-sniffed response even if someone opens it directly.
      'Content-Security-Policy': blob.packet ? PACKET_CSP : 'sandbox',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': blob.cacheControl,
    });
    const body = blob.open();
    body.on('error', () => res.destroy());
    body.pipe(res);
  }

  /**
   * `/auth`: GET with `?token=` (the printed link) or a form POST of `token` (the 0600 file). A
   * browser gets a page that keeps the session key and moves on to the app; a program gets a 302
   * and the key in the `X-Vigil-Session` header.
   */
  async function signIn(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const table = sessions as BridgeSessions;
    const given =
      req.method === 'POST'
        ? (new URLSearchParams(await readBody(req)).get('token') ?? '')
        : (url.searchParams.get('token') ?? '');
    const entry = table.redeem(given);
    if (entry === null)
      return sendJson(
        res,
        401,
        errorBody({ code: 'auth.bad-token', message: 'this sign-in link is wrong, used or expired' }),
      );
    const cookie = cookieFor(entry);
    const common = { 'Set-Cookie': cookie, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' };
    if (req.headers['sec-fetch-mode'] === 'navigate' || req.method === 'POST') {
      const page = signInPage(entry.key);
      res.writeHead(200, {
        ...common,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(page),
        'Content-Security-Policy': APP_CSP,
        'X-Content-Type-Options': 'nosniff',
      });
      return void res.end(page);
    }
    res.writeHead(302, { ...common, Location: '/', [SESSION_KEY_HEADER]: entry.key });
    return void res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.includes(req.headers.host ?? '')) {
      return sendJson(res, 421, errorBody({ code: 'auth.forbidden', message: 'unexpected Host header' }));
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!wellFormedPath(url.pathname))
      return sendJson(res, 400, errorBody({ code: 'rpc.invalid-input', message: 'malformed URL' }));
    if (opts.workerRoutes && url.pathname.startsWith('/workers/'))
      return opts.workerRoutes(req, res, url.pathname);
    if (signInMode === 'password') {
      if (req.method === 'GET' && url.pathname === PASSWORD_PAGE_PATH) return passwordSignIn.page(res);
      if (req.method === 'POST' && url.pathname === PASSWORD_AUTH_PATH)
        return passwordSignIn.signIn(req, res);
    } else if (url.pathname === '/auth' && (req.method === 'GET' || req.method === 'POST'))
      return signIn(req, res, url);
    if (req.method === 'GET' && url.pathname === SIGN_IN_SCRIPT_PATH) {
      res.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
      });
      return void res.end(SIGN_IN_SCRIPT);
    }

    // Everything but the app's static files needs the session key as well as the cookie.
    const { key, pathname } = keyOf(req, url.pathname);
    const api =
      pathname === '/rpc' ||
      pathname === '/events' ||
      pathname.startsWith('/artifacts/') ||
      pathname.startsWith(EXPORT_DOWNLOAD_PREFIX) ||
      pathname.startsWith('/migrate/');
    const found = (sessions as BridgeSessions).lookup(req, key, api);
    if (found.state !== 'ok') {
      if (found.state === 'expired') await ended(found.entry);
      // A browser opening the app without a session is shown the sign-in form.
      if (signInMode === 'password' && !api && req.method === 'GET') {
        res.writeHead(303, { Location: PASSWORD_PAGE_PATH, 'Cache-Control': 'no-store' });
        return void res.end();
      }
      return sendJson(
        res,
        401,
        found.state === 'expired'
          ? errorBody({
              code: 'auth.bad-token',
              message: `this session has ended; ${signInMode === 'password' ? 'sign in again' : 'open a new sign-in link'}`,
            })
          : errorBody({ code: 'auth.bad-token', message: signInHint }),
      );
    }
    const { session } = found.entry;
    if (opts.migrationRoutes && pathname.startsWith('/migrate/'))
      return opts.migrationRoutes(req, res, pathname, session);

    if (pathname === '/rpc') {
      if (req.method !== 'POST' || req.headers['x-vigil-request'] !== '1') {
        return sendJson(
          res,
          400,
          errorBody({ code: 'rpc.invalid-input', message: 'POST with X-Vigil-Request: 1' }),
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (error) {
        return sendJson(
          res,
          400,
          errorBody({
            code: 'rpc.invalid-input',
            message: `unreadable request: ${(error as Error).message}`,
          }),
        );
      }
      const request = RpcRequest.safeParse(body);
      if (!request.success)
        return sendJson(
          res,
          400,
          errorBody({ code: 'rpc.invalid-input', message: 'expected { method, input }' }),
        );
      // A long call (bundle verify, import, export) stops when the browser goes away.
      const client = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) client.abort();
      });
      return sendJson(
        res,
        200,
        await backend.dispatch(session, request.data.method, request.data.input, { signal: client.signal }),
      );
    }
    if (req.method === 'GET' && pathname === '/events') {
      await backend.refreshSession(session, 'events');
      return streams.open(req, res, found.entry);
    }
    const artifact = /^\/artifacts\/([0-9a-f]{64})$/.exec(pathname);
    if (req.method === 'GET' && artifact?.[1] !== undefined)
      return serveArtifact(res, session, artifact[1], url.searchParams.has('reveal'));
    if (req.method === 'GET' && pathname.startsWith(EXPORT_DOWNLOAD_PREFIX))
      return exportDownloads(res, session, pathname.slice(EXPORT_DOWNLOAD_PREFIX.length));
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(res, pathname);
    return sendJson(res, 405, errorBody({ code: 'rpc.invalid-input', message: 'method not allowed' }));
  }

  const listening = await listenBridge(opts, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, errorBody({ code: 'internal.unexpected', message: (error as Error).message }));
      else res.destroy();
    });
  });
  const { server, port, url } = listening;
  allowedHosts = listening.hosts;
  allowedOrigins = listening.origins;
  secure = listening.secure;
  const table = createBridgeSessions(port, clock, lifetimes);
  sessions = table;
  const expireSessions = async (): Promise<number> => {
    const gone = table.takeExpired();
    for (const entry of gone) await ended(entry);
    return gone.length;
  };
  const sweep = setInterval(() => void expireSessions().catch(() => undefined), SWEEP_MS);
  sweep.unref();
  return {
    url,
    get loginUrl() {
      if (signInMode === 'password') return `${url}${PASSWORD_PAGE_PATH}`;
      return `${url}/auth?token=${encodeURIComponent(table.mintLink())}`;
    },
    newLoginToken: () => table.mintLink(),
    expireSessions,
    close: async () => {
      clearInterval(sweep);
      streams.closeAll();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A path whose percent-escapes do not decode (`/%`, `/%zz`, broken UTF-8) is a bad request, not a crash. */
function wellFormedPath(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}
