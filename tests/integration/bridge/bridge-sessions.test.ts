import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { listAudit } from '@core/custody/audit-log';
import { tempDir } from '@tests/helpers/temp-dir';

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A raw request: `fetch` normalises paths such as `/%`, which must reach the bridge as sent. */
function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; path?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: opts.path ?? `${target.pathname}${target.search}`,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

const PASSWORD = 'investigator password';
let dir: { path: string; remove: () => void };
let backend: Backend;
let bridge: HttpBridge;
let now = Date.parse('2026-12-01T10:00:00.000Z');
const clock = () => new Date(now);

type Signed = { cookie: string; key: string };

async function openLink(): Promise<Signed> {
  const reply = await http(bridge.loginUrl);
  expect(reply.status).toBe(302);
  return {
    cookie: String(reply.headers['set-cookie']).split(';')[0] ?? '',
    key: String(reply.headers['x-vigil-session']),
  };
}

const rpc = async (s: Signed, method: string, input: unknown = {}, withKey = true) =>
  http(`${bridge.url}/rpc`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Vigil-Request': '1',
      Cookie: s.cookie,
      ...(withKey ? { 'X-Vigil-Session': s.key } : {}),
    },
    body: JSON.stringify({ method, input }),
  });
const call = async (s: Signed, method: string, input: unknown = {}) =>
  JSON.parse((await rpc(s, method, input)).body) as {
    ok: boolean;
    value?: unknown;
    error?: { code: string };
  };

async function signedInAs(name: string): Promise<Signed> {
  const s = await openLink();
  expect(await call(s, 'session.signIn', { name, password: PASSWORD })).toMatchObject({ ok: true });
  return s;
}

const auditActions = async (action: string) =>
  (await backend.workspace.db.read((c) => listAudit(c, { limit: 1, action }))).total;

beforeAll(async () => {
  dir = tempDir('vigil-bridge-sessions-');
  backend = await createBackend({ dataDir: join(dir.path, 'data') });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  for (const name of ['ivan', 'olga', 'petr', 'zoya'])
    await backend.users.create({ name, role: 'investigator', password: PASSWORD }, 'admin');
  bridge = await startHttpBridge({ backend, staticDir: null, clock });
});
afterAll(async () => {
  await bridge.close();
  await backend.close();
  dir.remove();
});

describe('sign-in links', () => {
  it('work once: the second use of the same link is refused', async () => {
    const link = bridge.loginUrl;
    expect((await http(link)).status).toBe(302);
    const again = await http(link);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
  });

  it('expire a minute after they were made', async () => {
    const link = bridge.loginUrl;
    now += 61_000;
    expect((await http(link)).status).toBe(401);
    const fresh = bridge.loginUrl;
    now += 59_000;
    expect((await http(fresh)).status).toBe(302);
  });

  it('can be redeemed by a form post, so the token need not be on any command line', async () => {
    const token = bridge.newLoginToken();
    const reply = await http(`${bridge.url}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(token)}`,
    });
    expect(reply.status).toBe(200);
    expect(String(reply.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    // The page keeps the key through a script of our own origin (the CSP allows no inline script).
    expect(reply.body).toMatch(/<meta name="vigil-session-key" content="[A-Za-z0-9_-]{43}">/);
    expect(reply.body).toContain('<script src="/auth/complete.js"></script>');
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await http(`${bridge.url}/auth/complete.js`)).body).toContain('sessionStorage.setItem');
  });
});

describe('sessions', () => {
  it('are named for this port and refuse a replayed cookie without the session key', async () => {
    const s = await signedInAs('ivan');
    expect(s.cookie).toMatch(new RegExp(`^vigil_session_${new URL(bridge.url).port}=`));
    const cookieOnly = await rpc(s, 'session.status', {}, false);
    expect(cookieOnly.status).toBe(401);
    expect(cookieOnly.body).not.toContain('ivan');
    const wrongKey = await rpc({ cookie: s.cookie, key: 'x'.repeat(43) }, 'session.status');
    expect(wrongKey.status).toBe(401);
    for (const path of ['/events', `/artifacts/${'0'.repeat(64)}`])
      expect((await http(`${bridge.url}${path}`, { headers: { Cookie: s.cookie } })).status, path).toBe(401);
    expect(await call(s, 'session.status')).toMatchObject({ ok: true, value: { user: { name: 'ivan' } } });
    // GET routes a page cannot add headers to take the key as a path prefix.
    expect(
      (
        await http(`${bridge.url}/s/${s.key}/artifacts/${'0'.repeat(64)}`, {
          headers: { Cookie: s.cookie },
        })
      ).status,
    ).toBe(404);
  });

  it('end after the idle lifetime, with a custody row', async () => {
    const s = await signedInAs('olga');
    now += 29 * 60_000;
    expect(await call(s, 'session.status')).toMatchObject({ ok: true, value: { user: { name: 'olga' } } });
    const before = await auditActions('session.expired');
    now += 31 * 60_000;
    const reply = await rpc(s, 'session.status');
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body)).toMatchObject({
      error: { code: 'auth.bad-token', message: expect.stringContaining('ended') as unknown },
    });
    expect(await auditActions('session.expired')).toBe(before + 1);
    // It stays ended: the same cookie and key never open it again.
    expect((await rpc(s, 'session.status')).status).toBe(401);
  });

  it('end after the absolute lifetime however busy they are', async () => {
    const s = await signedInAs('petr');
    for (let step = 0; step < 14; step += 1) {
      now += 25 * 60_000;
      expect((await rpc(s, 'session.status')).status).toBe(200);
      now += 25 * 60_000;
      expect((await rpc(s, 'session.status')).status).toBe(200);
    }
    // 14 × 50 min of steady use, then past 12 h since the link was opened.
    now += 25 * 60_000;
    expect((await rpc(s, 'session.status')).status).toBe(401);
  });
});

describe('malformed request paths', () => {
  it('answer 400, not 500', async () => {
    for (const path of ['/%', '/%zz', '/assets/%E0%A4%A', '/artifacts/%'])
      expect((await http(bridge.url, { path })).status, path).toBe(400);
  });
});

/** Reads an SSE stream until it ends; resolves with everything received. */
async function readStream(s: Signed): Promise<{ text: Promise<string>; cancel: () => void }> {
  const controller = new AbortController();
  const res = await fetch(`${bridge.url}/events`, {
    headers: { Cookie: s.cookie, 'X-Vigil-Session': s.key },
    signal: AbortSignal.any([controller.signal, AbortSignal.timeout(20_000)]),
  });
  expect(res.status).toBe(200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  // The first comment line says the stream is open (and subscribed).
  while (!text.includes(': connected')) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value);
  }
  const done = (async () => {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return text;
      text += decoder.decode(chunk.value);
    }
  })();
  return { text: done, cancel: () => controller.abort() };
}

describe('event streams', () => {
  it('close at once when the user is disabled, before any later row reaches them', async () => {
    const s = await signedInAs('zoya');
    const stream = await readStream(s);
    await backend.users.update({ name: 'zoya', disabled: true }, 'admin');
    const text = await stream.text;
    expect(text).not.toContain('"action":"user.updated"');
    // The session is revoked too: the next call is refused.
    expect(await call(s, 'users.list')).toMatchObject({ ok: false, error: { code: 'auth.not-signed-in' } });
  });

  it('close when the session signs out, and when it expires', async () => {
    const a = await signedInAs('ivan');
    const first = await readStream(a);
    expect(await call(a, 'session.signOut')).toMatchObject({ ok: true });
    expect(await first.text).not.toContain('session.signed-out');

    const b = await signedInAs('ivan');
    const second = await readStream(b);
    now += 31 * 60_000;
    expect(await bridge.expireSessions()).toBeGreaterThan(0);
    await second.text;
  });
});
