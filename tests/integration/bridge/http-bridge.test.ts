import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { registerBlob } from '@core/db/repositories/blobs-repo';
import { tempDir } from '@tests/helpers/temp-dir';

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, timeout: 10_000 },
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

let dir: { path: string; remove: () => void };
let backend: Backend;
let bridge: HttpBridge;
let cookie = '';
/** The session key the bridge hands over with the cookie; calls without it are refused. */
let key = '';

const rpc = async (method: string, input: unknown = {}, withCookie = cookie) =>
  http(`${bridge.url}/rpc`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Vigil-Request': '1',
      Cookie: withCookie,
      'X-Vigil-Session': key,
    },
    body: JSON.stringify({ method, input }),
  });
const call = async (method: string, input: unknown = {}) =>
  JSON.parse((await rpc(method, input)).body) as { ok: boolean; value?: unknown; error?: { code: string } };

beforeAll(async () => {
  dir = tempDir();
  const ui = join(dir.path, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Vigil</title>');
  writeFileSync(join(dir.path, 'secret.txt'), 'TOP-SECRET-CONTENT');
  backend = await createBackend({ dataDir: join(dir.path, 'data') });
  bridge = await startHttpBridge({ backend, staticDir: ui });
});
afterAll(async () => {
  await bridge.close();
  await backend.close();
  dir.remove();
});

describe('HTTP bridge', () => {
  it('listens on 127.0.0.1 only', () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses everything without the session cookie, and a wrong token', async () => {
    expect((await http(`${bridge.url}/`)).status).toBe(401);
    expect((await rpc('session.status', {}, '')).status).toBe(401);
    expect((await http(`${bridge.url}/auth?token=wrong`)).status).toBe(401);
  });

  it('exchanges the token for an HttpOnly SameSite=Strict cookie', async () => {
    const reply = await http(bridge.loginUrl);
    expect(reply.status).toBe(302);
    const setCookie = String(reply.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    cookie = setCookie.split(';')[0] ?? '';
    key = String(reply.headers['x-vigil-session']);
    const page = await http(`${bridge.url}/`, { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('refuses a foreign Host header (DNS rebinding) and RPC without the custom header', async () => {
    const port = new URL(bridge.url).port;
    expect(
      (await http(`${bridge.url}/`, { headers: { Cookie: cookie, Host: `evil.example:${port}` } })).status,
    ).toBe(421);
    const noHeader = await http(`${bridge.url}/rpc`, {
      method: 'POST',
      headers: { Cookie: cookie, 'X-Vigil-Session': key },
      body: '{"method":"session.status","input":{}}',
    });
    expect(noHeader.status).toBe(400);
  });

  it('never serves files outside the UI folder', async () => {
    for (const path of ['/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const reply = await http(`${bridge.url}${path}`, { headers: { Cookie: cookie } });
      expect(reply.body, path).not.toContain('TOP-SECRET-CONTENT');
    }
  });

  it('runs first-run set-up once, then sign-in, with roles enforced by the backend', async () => {
    expect(await call('session.status')).toMatchObject({
      ok: true,
      value: { initialized: false, user: null },
    });
    expect(await call('users.list')).toMatchObject({ ok: false, error: { code: 'auth.not-signed-in' } });
    const admin = await call('session.setupAdmin', { name: 'admin', password: 'first admin password' });
    expect(admin).toMatchObject({ ok: true, value: { name: 'admin', role: 'admin' } });
    expect(
      await call('session.setupAdmin', { name: 'admin2', password: 'second admin password' }),
    ).toMatchObject({ ok: false, error: { code: 'auth.setup-done' } });
    expect(
      await call('users.add', { name: 'ivan', role: 'investigator', password: 'investigator password' }),
    ).toMatchObject({ ok: true });
    expect(await call('session.signOut')).toMatchObject({ ok: true });
    expect(await call('session.signIn', { name: 'ivan', password: 'wrong password' })).toMatchObject({
      ok: false,
      error: { code: 'auth.bad-credentials' },
    });
    expect(await call('session.signIn', { name: 'ivan', password: 'investigator password' })).toMatchObject({
      ok: true,
      value: { role: 'investigator' },
    });
    // The UI may hide the button, but the backend is what refuses.
    expect(
      await call('users.add', { name: 'eve', role: 'admin', password: 'sneaky password!!' }),
    ).toMatchObject({ ok: false, error: { code: 'auth.forbidden' } });
    expect(await call('users.add', { name: 'x', role: 'admin' })).toMatchObject({ ok: false });
    expect(await call('no.such.method')).toMatchObject({ ok: false, error: { code: 'rpc.unknown-method' } });
    expect(await call('audit.list', { limit: 'many' })).toMatchObject({
      ok: false,
      error: { code: 'rpc.invalid-input' },
    });
  });

  it('streams events to a signed-in session', async () => {
    const res = await fetch(`${bridge.url}/events`, {
      headers: { Cookie: cookie, 'X-Vigil-Session': key },
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    void call('audit.verify');
    while (!text.includes('\ndata: ') && !text.startsWith('data: ')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value);
    }
    await reader.cancel();
    const line = text.split('\n').find((l) => l.startsWith('data: ')) ?? '';
    expect(JSON.parse(line.slice(6))).toMatchObject({
      name: 'audit.appended',
      payload: { action: 'audit.verified' },
    });
  });

  it('serves artifacts sandboxed and unsniffed to signed-in users only', async () => {
    const ws = backend.workspace;
    const blob = await ws.blobs.put(Buffer.from('<script>alert(1)</script>'));
    await ws.record(async (tx, audit) => {
      await registerBlob(tx, blob, ws.clock().toISOString());
      await audit({ actor: 'test', action: 'blob.stored', subject: `blob:${blob.sha256}` });
    });
    const reply = await http(`${bridge.url}/artifacts/${blob.sha256}`, {
      headers: { Cookie: cookie, 'X-Vigil-Session': key },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-security-policy']).toBe('sandbox');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.body).toBe('<script>alert(1)</script>');
    expect(
      (
        await http(`${bridge.url}/artifacts/${'0'.repeat(64)}`, {
          headers: { Cookie: cookie, 'X-Vigil-Session': key },
        })
      ).status,
    ).toBe(404);
  });

  it('stops serving artifacts to a user the moment an admin disables them', async () => {
    const ws = backend.workspace;
    const blob = await ws.blobs.put(Buffer.from('screenshot bytes'));
    await ws.record(async (tx, audit) => {
      await registerBlob(tx, blob, ws.clock().toISOString());
      await audit({ actor: 'test', action: 'blob.stored', subject: `blob:${blob.sha256}` });
    });
    expect(
      (
        await http(`${bridge.url}/artifacts/${blob.sha256}`, {
          headers: { Cookie: cookie, 'X-Vigil-Session': key },
        })
      ).status,
    ).toBe(200);
    await backend.users.update({ name: 'ivan', disabled: true }, 'admin');
    const refused = await http(`${bridge.url}/artifacts/${blob.sha256}`, {
      headers: { Cookie: cookie, 'X-Vigil-Session': key },
    });
    expect(refused.status).toBe(401);
    expect(refused.body).not.toContain('screenshot bytes');
  });
});
