import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { RpcRequest } from '@shared/contract/envelope';
import type { ErrorPayload } from '@shared/errors/app-error';
import type { Backend } from '../backend';
import { servedBlob } from '../db/repositories/blobs-repo';
import type { Session } from '../rpc/dispatch';

export type HttpBridge = Readonly<{
  url: string;
  /** The one-time sign-in link: opening it sets the session cookie. Print it, never log it elsewhere. */
  loginUrl: string;
  token: string;
  close: () => Promise<void>;
}>;

export type HttpBridgeOptions = Readonly<{
  backend: Backend;
  port?: number;
  /** The built renderer (out/renderer); null serves the API only. */
  staticDir: string | null;
  token?: string;
}>;

const COOKIE = 'vigil_session';
const MAX_BODY = 32 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

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

/**
 * Review packets are PDFs Vigil rendered itself, not captured content, and must display in the review
 * screen. Chromium refuses to show a PDF in a sandboxed frame (measured with Chromium 156: an
 * <iframe sandbox> gets an error page), and whether the `sandbox` response header has the same effect
 * differs between builds, so packets go without `sandbox` but with every fetch directive at 'none':
 * no script and no network from the document, and framed only by the app itself. The PDF viewer
 * runs in its own extension frame, which this policy does not reach (measured: it renders under it).
 */
export const PACKET_CSP = [
  "default-src 'none'",
  "script-src 'none'",
  "connect-src 'none'",
  "object-src 'none'",
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

const safeEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function cookieOf(req: IncomingMessage): string | null {
  const header = req.headers.cookie ?? '';
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

const errorBody = (error: ErrorPayload) => ({ ok: false, error });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `vigil serve` and the e2e tests: the contract over loopback HTTP (DESIGN §2.1). Bound to 127.0.0.1
 * only; a random token, exchanged once for an HttpOnly SameSite=Strict cookie, gates every request;
 * the Host header must be our own (DNS rebinding) and RPC calls need a custom header (no CORS, so a
 * foreign page cannot send it).
 */
export async function startHttpBridge(opts: HttpBridgeOptions): Promise<HttpBridge> {
  const { backend } = opts;
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const sessions = new Map<string, Session>();
  const streams = new Set<ServerResponse>();
  const staticRoot = opts.staticDir === null ? null : resolve(opts.staticDir);
  let allowedHosts: readonly string[] = [];

  const sessionOf = (req: IncomingMessage): Session | null => {
    const sid = cookieOf(req);
    return sid === null ? null : (sessions.get(sid) ?? null);
  };

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

  async function serveArtifact(res: ServerResponse, session: Session, sha256: string): Promise<void> {
    await backend.refreshSession(session, 'artifact');
    if (session.user === null)
      return sendJson(res, 401, errorBody({ code: 'auth.not-signed-in', message: 'sign in first' }));
    const ws = backend.workspace;
    const blob = await ws.db.read((c) => servedBlob(c, sha256));
    if (!blob)
      return sendJson(res, 404, errorBody({ code: 'evidence.not-found', message: `no artifact ${sha256}` }));
    res.writeHead(200, {
      'Content-Type': blob.mediaType ?? 'application/octet-stream',
      'Content-Length': blob.bytes,
      // Evidence is shown, never run: a sandboxed, non-sniffed response even if someone opens it directly.
      'Content-Security-Policy': blob.packet ? PACKET_CSP : 'sandbox',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=31536000, immutable',
    });
    ws.blobs.open(sha256).pipe(res);
  }

  function openEvents(req: IncomingMessage, res: ServerResponse, session: Session): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = backend.events.subscribe((event) => {
      // Events describe evidence: only a signed-in session hears them.
      if (session.user !== null) res.write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const stop = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', stop);
    res.on('error', stop);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.includes(req.headers.host ?? '')) {
      return sendJson(res, 421, errorBody({ code: 'auth.forbidden', message: 'unexpected Host header' }));
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');

    if (req.method === 'GET' && url.pathname === '/auth') {
      const given = url.searchParams.get('token') ?? '';
      if (!safeEqual(given, token))
        return sendJson(res, 401, errorBody({ code: 'auth.bad-token', message: 'wrong or missing token' }));
      const sid = randomBytes(32).toString('base64url');
      sessions.set(sid, { user: null });
      res.writeHead(302, {
        'Set-Cookie': `${COOKIE}=${sid}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
        'Cache-Control': 'no-store',
      });
      return void res.end();
    }

    const session = sessionOf(req);
    if (session === null) {
      return sendJson(
        res,
        401,
        errorBody({ code: 'auth.bad-token', message: 'open the sign-in link printed by `vigil serve`' }),
      );
    }

    if (url.pathname === '/rpc') {
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
      return sendJson(res, 200, await backend.dispatch(session, request.data.method, request.data.input));
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      await backend.refreshSession(session, 'events');
      return openEvents(req, res, session);
    }
    const artifact = /^\/artifacts\/([0-9a-f]{64})$/.exec(url.pathname);
    if (req.method === 'GET' && artifact?.[1] !== undefined) return serveArtifact(res, session, artifact[1]);
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(res, url.pathname);
    return sendJson(res, 405, errorBody({ code: 'rpc.invalid-input', message: 'method not allowed' }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, errorBody({ code: 'internal.unexpected', message: (error as Error).message }));
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    loginUrl: `${url}/auth?token=${encodeURIComponent(token)}`,
    token,
    close: async () => {
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
