import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { EnvelopeSchema, type Envelope } from '@shared/contract/envelope';
import type { AnyEvent } from '@shared/contract/events';
import { AppError, type ErrorPayload } from '@shared/errors/app-error';
import { isLoopbackHost } from '../bridge/bridge-listen';
import { PACKET_CSP } from '../bridge/packet-csp';

export type TeamServerOptions = Readonly<{
  /** `https://NAME:PORT` of the team server (`http://` only for a server on this machine's loopback). */
  url: string;
  /** The unit's CA certificate (PEM): the server's certificate must chain to it. Default: the system's CAs. */
  ca?: string | Buffer;
  /** Deadline of one call, connect to reply (long bundle calls need more than the default 10 min). */
  timeoutMs?: number;
}>;

/**
 * One artifact as the team server answered for it: 200 with its bytes, or the refusal (401 signed
 * out, 403 a reveal is required, 404 unknown) with an empty body. `packet`: served under the packet
 * policy (a review packet Vigil made), so the desktop shows it in the PDF viewer.
 */
export type RemoteArtifact = Readonly<{
  status: number;
  mediaType: string | null;
  bytes: number;
  packet: boolean;
  body: Readable;
}>;

/** A finished bundle of the server's exports/ folder: its bytes and the SHA-256 its export record holds. */
export type RemoteBundle = Readonly<{ sha256: string; bytes: number; body: Readable }>;

/** Server-sent events of the signed-in session; `close()` ends the stream (and the loop reading it). */
export type RemoteEvents = AsyncIterable<AnyEvent> & Readonly<{ close: () => void }>;

export type TeamServerClient = Readonly<{
  url: string;
  signedIn: () => boolean;
  /** Opens a session with the user's password; the envelope holds the user or why not. */
  signIn: (name: string, password: string) => Promise<Envelope<unknown>>;
  call: (method: string, input: unknown) => Promise<Envelope<unknown>>;
  /**
   * A request in the session outside `/rpc` (a team server's `/migrate/…` routes): the body is sent
   * as given (a stream is piped, never held whole), the reply read as an envelope.
   */
  request: (
    method: 'POST' | 'PUT',
    path: string,
    body: string | Readable,
    contentType: string,
  ) => Promise<Envelope<unknown>>;
  events: () => Promise<RemoteEvents>;
  /** The artifact's bytes as a stream, under the session's rules (blurred unless `reveal` was granted). */
  artifact: (sha256: string, reveal: boolean) => Promise<RemoteArtifact>;
  /** Streams a finished export (`/exports/<name>`), or throws the server's refusal as its AppError. */
  exportedBundle: (name: string) => Promise<RemoteBundle>;
  signOut: () => Promise<Envelope<unknown>>;
  /** Drops the session and the connections (the server ends the session after its idle lifetime). */
  close: () => void;
}>;

type Reply = { status: number; headers: IncomingMessage['headers']; body: string };
type Held = { cookie: string; key: string };

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const MAX_REPLY = 64 * 1024 * 1024;
/** OpenSSL's verification failures (untrusted issuer, self-signed, wrong name, expired). */
const TLS_TRUST = /CERT|SELF_SIGNED|UNABLE_TO_|ALTNAME|ERR_TLS/;

function parseServerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('input.invalid', `not a URL: ${raw}`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''))) return url;
  throw new AppError(
    'input.invalid',
    `a team server is reached over https:// (plain http only on 127.0.0.1): ${raw}`,
  );
}

/** A transport failure as the error a user can act on: an untrusted certificate, or no server. */
function transportError(url: string, error: NodeJS.ErrnoException): ErrorPayload {
  const code = error.code ?? '';
  if (TLS_TRUST.test(code))
    return new AppError(
      'server.untrusted',
      `the team server's certificate is not trusted (${code}); give the unit's CA certificate`,
    ).toPayload();
  return new AppError(
    'server.unreachable',
    `cannot reach the team server at ${url}: ${error.message}`,
  ).toPayload();
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The reply to `/artifacts/…`: a refusal's body is drained and dropped, only its status counts. */
function artifactOf(res: IncomingMessage): RemoteArtifact {
  const status = res.statusCode ?? 0;
  const length = Number(res.headers['content-length']);
  if (status !== 200 || !Number.isSafeInteger(length) || length < 0) {
    res.resume();
    return { status: status === 200 ? 502 : status, mediaType: null, bytes: 0, packet: false, body: res };
  }
  const type = res.headers['content-type'];
  return {
    status,
    mediaType: typeof type === 'string' ? type : null,
    bytes: length,
    packet: res.headers['content-security-policy'] === PACKET_CSP,
    body: res,
  };
}

/** The reply to `/exports/…`: 200 with a length and the recorded SHA-256, else the refusal's envelope. */
async function bundleOf(res: IncomingMessage): Promise<RemoteBundle> {
  const length = Number(res.headers['content-length']);
  const sha256 = res.headers['x-vigil-bundle-sha256'];
  if (
    res.statusCode === 200 &&
    Number.isSafeInteger(length) &&
    typeof sha256 === 'string' &&
    SHA256_HEX.test(sha256)
  )
    return { sha256, bytes: length, body: res };
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) {
    text += chunk as string;
    if (text.length > MAX_REPLY) break;
  }
  const envelope = envelopeOf({ status: res.statusCode ?? 0, headers: res.headers, body: text });
  if (!envelope.ok) throw new AppError(envelope.error.code, envelope.error.message, envelope.error.details);
  throw new AppError('rpc.invalid-output', `the team server sent the bundle without its length or SHA-256`);
}

const cookieOf = (setCookie: string[] | undefined): string => (setCookie?.[0] ?? '').split(';')[0] ?? '';

/** The reply as an envelope; anything else (a proxy's error page) is named as such. */
function envelopeOf(reply: Reply): Envelope<unknown> {
  try {
    const parsed = EnvelopeSchema.safeParse(JSON.parse(reply.body));
    if (parsed.success) return parsed.data;
  } catch {
    // Not JSON: answered below.
  }
  return {
    ok: false,
    error: {
      code: 'rpc.invalid-output',
      message: `the team server answered HTTP ${reply.status} without an envelope`,
    },
  };
}

/**
 * A client of a team server (`vigil server`): the same contract as the local backend, over HTTPS.
 * The server's certificate is always verified (against `ca` when given); there is no switch to
 * turn that off. The session is the bridge's: a cookie and a key, held in memory only.
 */
export function connectTeamServer(opts: TeamServerOptions): TeamServerClient {
  const base = parseServerUrl(opts.url);
  const secure = base.protocol === 'https:';
  const agent = secure
    ? new HttpsAgent({ keepAlive: true, ...(opts.ca === undefined ? {} : { ca: opts.ca }) })
    : new HttpAgent({ keepAlive: true });
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let held: Held | null = null;

  const sessionHeaders = (): Record<string, string> =>
    held === null ? {} : { Cookie: held.cookie, 'X-Vigil-Session': held.key };

  function open(method: string, path: string, headers: Record<string, string>, body?: string | Readable) {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const send = secure ? httpsRequest : httpRequest;
      const req = send(new URL(path, base), { method, agent, headers, timeout: timeoutMs }, resolve);
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('no reply in time'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', reject);
      if (body === undefined || typeof body === 'string') req.end(body);
      else {
        body.on('error', (error) => req.destroy(error));
        body.pipe(req);
      }
    });
  }

  async function send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string | Readable,
  ) {
    const res = await open(method, path, headers, body);
    let text = '';
    res.setEncoding('utf8');
    for await (const chunk of res) {
      text += chunk as string;
      if (text.length > MAX_REPLY) throw new Error('the reply is too large');
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body: text } satisfies Reply;
  }

  async function guarded(work: () => Promise<Envelope<unknown>>): Promise<Envelope<unknown>> {
    try {
      return await work();
    } catch (error) {
      return { ok: false, error: transportError(base.origin, error as NodeJS.ErrnoException) };
    }
  }

  async function call(method: string, input: unknown): Promise<Envelope<unknown>> {
    return guarded(async () => {
      const headers = { ...sessionHeaders(), 'Content-Type': 'application/json', 'X-Vigil-Request': '1' };
      const reply = envelopeOf(await send('POST', '/rpc', headers, JSON.stringify({ method, input })));
      // The server ended the session (lifetime, revoked): it is gone for good, sign in again.
      if (!reply.ok && reply.error.code === 'auth.bad-token') held = null;
      return reply;
    });
  }

  return {
    url: base.origin,
    signedIn: () => held !== null,
    signIn: (name, password) =>
      guarded(async () => {
        held = null;
        const headers = { 'Content-Type': 'application/json' };
        const reply = await send('POST', '/auth/password', headers, JSON.stringify({ name, password }));
        const envelope = envelopeOf(reply);
        const key = reply.headers['x-vigil-session'];
        if (envelope.ok && typeof key === 'string')
          held = { cookie: cookieOf(reply.headers['set-cookie']), key };
        return envelope;
      }),
    call,
    request: (method, path, body, contentType) =>
      guarded(async () =>
        envelopeOf(await send(method, path, { ...sessionHeaders(), 'Content-Type': contentType }, body)),
      ),
    async events() {
      const res = await open('GET', '/events', sessionHeaders()).catch((error: unknown) => {
        const payload = transportError(base.origin, error as NodeJS.ErrnoException);
        throw new AppError(payload.code, payload.message);
      });
      if (res.statusCode !== 200) {
        res.resume();
        throw new AppError(
          'auth.not-signed-in',
          `the team server refused the event stream (HTTP ${res.statusCode})`,
        );
      }
      return eventStream(res);
    },
    async artifact(sha256, reveal) {
      if (!SHA256_HEX.test(sha256)) throw new AppError('input.invalid', `not an artifact hash: ${sha256}`);
      const path = `/artifacts/${sha256}${reveal ? '?reveal=1' : ''}`;
      const res = await open('GET', path, sessionHeaders()).catch((error: unknown) => {
        const payload = transportError(base.origin, error as NodeJS.ErrnoException);
        throw new AppError(payload.code, payload.message);
      });
      return artifactOf(res);
    },
    async exportedBundle(name) {
      const res = await open('GET', `/exports/${encodeURIComponent(name)}`, sessionHeaders()).catch(
        (error: unknown) => {
          const payload = transportError(base.origin, error as NodeJS.ErrnoException);
          throw new AppError(payload.code, payload.message);
        },
      );
      return bundleOf(res);
    },
    async signOut() {
      const reply = await call('session.signOut', {});
      held = null;
      return reply;
    },
    close: () => {
      held = null;
      agent.destroy();
    },
  };
}

function eventStream(res: IncomingMessage): RemoteEvents {
  const lines = createInterface({ input: res, crlfDelay: Infinity });
  async function* read(): AsyncGenerator<AnyEvent> {
    let data: string[] = [];
    for await (const line of lines) {
      if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      else if (line === '' && data.length > 0) {
        const text = data.join('\n');
        data = [];
        yield JSON.parse(text) as AnyEvent;
      }
    }
  }
  return {
    [Symbol.asyncIterator]: () => read(),
    close: () => {
      lines.close();
      res.destroy();
    },
  };
}
