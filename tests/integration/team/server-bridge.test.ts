import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '@shared/contract/events';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { listAudit } from '@core/custody/audit-log';
import { connectTeamServer, type TeamServerClient } from '@core/remote/remote-client';
import { createRemoteForwarder } from '@core/remote/remote-forwarding';
import { registerBlob } from '@core/db/repositories/blobs-repo';
import {
  evidenceUrlOf,
  remoteEvidenceDeps,
  serveEvidenceRequest,
} from '../../../electron/main/evidence-protocol';
import { tempDir } from '@tests/helpers/temp-dir';
import { makeTestPki, type TestPki } from './server-tls';

const PASSWORDS = { admin: 'admin password 1', ivan: 'investigator password', rita: 'reviewer password' };

const auditRows = async (action: string) =>
  (await backend.workspace.db.read((c) => listAudit(c, { limit: 1000, action }))).rows;

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** A raw HTTPS request trusting the test CA, for what the remote client never sends. */
function https(
  url: string,
  ca: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url, // The name checked in the certificate, whatever Host header a test sends.
      { method: opts.method ?? 'GET', headers: opts.headers, ca, servername: 'localhost', timeout: 10_000 },
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
let pki: TestPki;
let backend: Backend;
let bridge: HttpBridge;
let now = Date.parse('2026-12-01T10:00:00.000Z');
const clients: TeamServerClient[] = [];
const client = (ca: string | undefined = pki.ca, url = bridge.url): TeamServerClient => {
  const made = connectTeamServer({ url, ...(ca === undefined ? {} : { ca }) });
  clients.push(made);
  return made;
};

beforeAll(async () => {
  dir = tempDir('vigil-team-');
  pki = await makeTestPki(dir.path);
  backend = await createBackend({ dataDir: join(dir.path, 'server') });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORDS.admin }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORDS.ivan }, 'admin');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORDS.rita }, 'admin');
  bridge = await startHttpBridge({
    backend,
    staticDir: null,
    host: '127.0.0.1',
    tls: { cert: pki.cert, key: pki.key },
    signIn: 'password',
    clock: () => new Date(now),
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await bridge?.close();
  await backend?.close();
  dir?.remove();
});

describe('a team server over HTTPS with password sign-in', () => {
  it('serves HTTPS on the address given, named as its certificate names it', () => {
    expect(bridge.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(bridge.loginUrl).toBe(`${bridge.url}/sign-in`);
  });

  it('signs two users in with their passwords; each call is held to that user’s role', async () => {
    const investigator = client();
    const reviewer = client();
    expect(await investigator.signIn('ivan', PASSWORDS.ivan)).toMatchObject({
      ok: true,
      value: { role: 'investigator' },
    });
    expect(await reviewer.signIn('rita', PASSWORDS.rita)).toMatchObject({
      ok: true,
      value: { role: 'reviewer' },
    });
    expect(await investigator.call('session.status', {})).toMatchObject({
      ok: true,
      value: { user: { name: 'ivan' } },
    });
    expect(await reviewer.call('session.status', {})).toMatchObject({
      ok: true,
      value: { user: { name: 'rita' } },
    });

    const added = await investigator.call('reports.add', { url: 'https://example.org/team-mode' });
    expect(added).toMatchObject({ ok: true, value: { resource: { url: 'https://example.org/team-mode' } } });
    expect(await reviewer.call('reports.add', { url: 'https://example.org/other' })).toMatchObject({
      ok: false,
      error: { code: 'auth.forbidden' },
    });
    expect(await reviewer.call('hashlists.list', {})).toMatchObject({ ok: true, value: [] });
    expect(await investigator.call('hashlists.list', {})).toMatchObject({
      ok: false,
      error: { code: 'auth.forbidden' },
    });
    // One case database: the reviewer sees the investigator's resource.
    const listed = await reviewer.call('resources.list', {});
    expect(JSON.stringify(listed)).toContain('https://example.org/team-mode');
    const rows = await auditRows('session.signed-in');
    expect(rows.map((r) => r.actor).sort()).toEqual(expect.arrayContaining(['ivan', 'rita']));
  });

  it('refuses a wrong password, with the custody row of every failed sign-in', async () => {
    const c = client();
    expect(await c.signIn('ivan', 'not the password')).toMatchObject({
      ok: false,
      error: { code: 'auth.bad-credentials' },
    });
    expect(c.signedIn()).toBe(false);
    expect(await c.call('reports.add', { url: 'https://example.org/x' })).toMatchObject({
      ok: false,
      error: { code: 'auth.bad-token' },
    });
    const failed = await auditRows('session.sign-in-failed');
    expect(failed.some((r) => r.subject === 'user:ivan')).toBe(true);
    // The right password still works: one failure is no lockout (and clears this address's count).
    expect(await c.signIn('ivan', PASSWORDS.ivan)).toMatchObject({ ok: true });
  });

  it('refuses a session past its idle lifetime, and one past its absolute lifetime however busy', async () => {
    const idle = client();
    expect(await idle.signIn('rita', PASSWORDS.rita)).toMatchObject({ ok: true });
    now += 31 * 60_000;
    expect(await idle.call('session.status', {})).toMatchObject({
      ok: false,
      error: { code: 'auth.bad-token' },
    });
    expect(idle.signedIn()).toBe(false);
    const busy = client();
    expect(await busy.signIn('rita', PASSWORDS.rita)).toMatchObject({ ok: true });
    for (let step = 1; step <= 24; step += 1) {
      now += 29 * 60_000;
      expect(await busy.call('session.status', {}), `after ${step * 29} min`).toMatchObject({ ok: true });
    }
    // 725 min after sign-in, the last call 29 min ago: past the 12 h absolute lifetime.
    now += 29 * 60_000;
    expect(await busy.call('session.status', {})).toMatchObject({
      ok: false,
      error: { code: 'auth.bad-token' },
    });
    const expired = await auditRows('session.expired');
    expect(expired.filter((r) => r.actor === 'rita').length).toBeGreaterThanOrEqual(2);
  });

  it('sets a Secure cookie, accepts the certificate’s names as Host, and refuses sign-ins posted from elsewhere', async () => {
    const port = new URL(bridge.url).port;
    const json = { 'Content-Type': 'application/json' };
    const body = JSON.stringify({ name: 'ivan', password: PASSWORDS.ivan });
    const signed = await https(`${bridge.url}/auth/password`, pki.ca, {
      method: 'POST',
      headers: json,
      body,
    });
    expect(signed.status).toBe(200);
    expect(String(signed.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Path=\/; Secure/);
    const foreign = await https(`${bridge.url}/auth/password`, pki.ca, {
      method: 'POST',
      headers: { ...json, Origin: 'https://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    const ownName = await https(`${bridge.url}/sign-in`, pki.ca, { headers: { Host: `vigil.test:${port}` } });
    expect(ownName.status).toBe(200);
    expect(ownName.body).toContain('type="password"');
    const rebound = await https(`${bridge.url}/sign-in`, pki.ca, {
      headers: { Host: `evil.example:${port}` },
    });
    expect(rebound.status).toBe(421);
    // No one-time links on a team server; a browser without a session is sent to the form.
    const link = await https(`${bridge.url}/auth?token=${bridge.newLoginToken()}`, pki.ca);
    expect(link.headers['set-cookie']).toBeUndefined();
    expect(link.headers.location).toBe('/sign-in');
    const app = await https(`${bridge.url}/`, pki.ca);
    expect(app.status).toBe(303);
    expect(app.headers.location).toBe('/sign-in');
  });

  it('streams events to a signed-in client only', async () => {
    const anonymous = client();
    await expect(anonymous.events()).rejects.toMatchObject({ code: 'auth.not-signed-in' });
    const watcher = client();
    expect(await watcher.signIn('rita', PASSWORDS.rita)).toMatchObject({ ok: true });
    const stream = await watcher.events();
    const seen: AnyEvent[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        seen.push(event);
        if (event.name === 'resource.changed') break;
      }
    })();
    const investigator = client();
    expect(await investigator.signIn('ivan', PASSWORDS.ivan)).toMatchObject({ ok: true });
    expect(await investigator.call('reports.add', { url: 'https://example.org/evented' })).toMatchObject({
      ok: true,
    });
    await Promise.race([
      reading,
      new Promise((_, fail) => setTimeout(() => fail(new Error('no event')), 10_000)),
    ]);
    stream.close();
    expect(seen.some((e) => e.name === 'audit.appended')).toBe(true);
  });

  it('refuses a server whose certificate the unit’s CA did not issue', async () => {
    const rogue = await startHttpBridge({
      backend,
      staticDir: null,
      tls: { cert: pki.rogueCert, key: pki.rogueKey },
      signIn: 'password',
    });
    try {
      for (const c of [client(pki.ca, rogue.url), client(undefined, rogue.url)]) {
        const reply = await c.signIn('ivan', PASSWORDS.ivan);
        expect(reply).toMatchObject({ ok: false, error: { code: 'server.untrusted' } });
        expect(c.signedIn()).toBe(false);
      }
    } finally {
      await rogue.close();
    }
    expect(() => connectTeamServer({ url: 'http://192.0.2.1:8443' })).toThrow(/https/);
  });

  it('refuses to listen on a non-loopback address without TLS', async () => {
    await expect(startHttpBridge({ backend, staticDir: null, host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'input.invalid',
      message: expect.stringMatching(/needs TLS/),
    });
  });

  it('forwards an app window’s calls and events to the team server', async () => {
    const window = createRemoteForwarder(client());
    try {
      expect(await window.invoke('session.status', {})).toMatchObject({
        ok: true,
        value: { initialized: true, user: null },
      });
      expect(
        await window.invoke('session.setupAdmin', { name: 'x', password: 'long enough password' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'auth.setup-done' },
      });
      expect(await window.invoke('reports.add', { url: 'https://example.org/a' })).toMatchObject({
        ok: false,
        error: { code: 'auth.bad-token' },
      });
      const seen: AnyEvent[] = [];
      window.subscribe((event) => seen.push(event));
      expect(await window.invoke('session.signIn', { name: 'ivan', password: PASSWORDS.ivan })).toMatchObject(
        { ok: true },
      );
      expect(await window.invoke('session.status', {})).toMatchObject({
        ok: true,
        value: { user: { name: 'ivan' } },
      });
      expect(await window.invoke('hashlists.list', {})).toMatchObject({
        ok: false,
        error: { code: 'auth.forbidden' },
      });
      // The stream opens in the background: report until one of its events has reached the window.
      for (let i = 0; i < 20 && !seen.some((e) => e.name === 'resource.changed'); i += 1) {
        expect(
          await window.invoke('reports.add', { url: `https://example.org/forwarded-${i}` }),
        ).toMatchObject({ ok: true });
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(seen.some((e) => e.name === 'resource.changed')).toBe(true);
      expect(await window.invoke('session.signOut', {})).toMatchObject({ ok: true });
      expect(await window.invoke('session.status', {})).toMatchObject({ ok: true, value: { user: null } });
    } finally {
      window.close();
    }
  });

  it('serves a desktop window’s evidence:// from the team server, in that window’s session only', async () => {
    const ws = backend.workspace;
    const blob = await ws.blobs.put(Buffer.from('team evidence bytes'));
    await ws.record(async (tx, audit) => {
      await registerBlob(tx, blob, ws.clock().toISOString());
      await audit({ actor: 'test', action: 'blob.stored', subject: `blob:${blob.sha256}` });
    });
    const window = createRemoteForwarder(client());
    const deps = remoteEvidenceDeps({ signedIn: window.signedIn, artifact: window.artifact });
    const ask = (sha256: string, method = 'GET') =>
      serveEvidenceRequest({ url: evidenceUrlOf(sha256), method }, deps);
    try {
      expect((await ask(blob.sha256)).status).toBe(401);
      expect(await window.invoke('session.signIn', { name: 'ivan', password: PASSWORDS.ivan })).toMatchObject(
        {
          ok: true,
        },
      );
      const served = await ask(blob.sha256);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-length')).toBe(String(blob.bytes));
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await served.text()).toBe('team evidence bytes');
      const head = await ask(blob.sha256, 'HEAD');
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      expect((await ask('0'.repeat(64))).status).toBe(404);
      expect(await window.invoke('session.signOut', {})).toMatchObject({ ok: true });
      expect((await ask(blob.sha256)).status).toBe(401);
    } finally {
      window.close();
    }
  });

  it('backs off a client after failures in a row, whatever names it tries', async () => {
    const c = client();
    for (const name of ['nobody-1', 'nobody-2', 'nobody-3'])
      expect(await c.signIn(name, 'guess')).toMatchObject({
        ok: false,
        error: { code: 'auth.bad-credentials' },
      });
    expect(await c.signIn('ivan', PASSWORDS.ivan)).toMatchObject({
      ok: false,
      error: { code: 'auth.too-many-attempts' },
    });
  });
});
