import { readFileSync } from 'node:fs';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { verifyEs256 } from '@core/custody/signing';
import { CaptureRecord } from '@shared/domain/capture-record';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'investigator password';
type Signed = { cookie: string; key: string };
type Reply = { ok: boolean; value?: unknown; error?: { code: string } };

function post(url: string, headers: Record<string, string>, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
let bridge: HttpBridge;

async function signedInAs(name: string, password: string): Promise<Signed> {
  const reply = await fetch(bridge.loginUrl, { redirect: 'manual' });
  const s = {
    cookie: (reply.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    key: reply.headers.get('x-vigil-session') ?? '',
  };
  expect(await call(s, 'session.signIn', { name, password })).toMatchObject({ ok: true });
  return s;
}

const call = async (s: Signed, method: string, input: unknown = {}): Promise<Reply> =>
  JSON.parse(
    await post(
      `${bridge.url}/rpc`,
      {
        'Content-Type': 'application/json',
        'X-Vigil-Request': '1',
        Cookie: s.cookie,
        'X-Vigil-Session': s.key,
      },
      JSON.stringify({ method, input }),
    ),
  ) as Reply;

/** Reports `url` and queues its capture from the UI; resolves with the sealed capture record. */
async function captureFromUi(
  s: Signed,
  url: string,
  beforeSeal?: () => Promise<void>,
): Promise<CaptureRecord> {
  const added = await call(s, 'reports.add', { url });
  expect(added.ok, JSON.stringify(added)).toBe(true);
  const resourceId = (added.value as { resource: { id: string } }).resource.id;
  expect(await call(s, 'capture.enqueue', { resourceIds: [resourceId] })).toMatchObject({ ok: true });
  await beforeSeal?.();
  await backend.queue.idle();
  // Read back as the admin: the operator's own session may have signed out meanwhile.
  const admin = { user: await backend.users.byName('admin') };
  const detail = await backend.dispatch(admin, 'resources.get', { id: resourceId });
  const captureId = (detail as { value?: { captures: { id: string }[] } }).value?.captures[0]?.id ?? '';
  const got = await backend.dispatch(admin, 'capture.get', { id: captureId });
  expect(got.ok, JSON.stringify(got)).toBe(true);
  return CaptureRecord.parse((got as { value: unknown }).value);
}

beforeAll(async () => {
  dir = tempDir('vigil-session-keys-');
  site = await startFixtureSite();
  backend = await createBackend({ dataDir: join(dir.path, 'data') });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  bridge = await startHttpBridge({ backend, staticDir: null });
  const admin = await signedInAs('admin', PASSWORD);
  expect(await call(admin, 'settings.update', { allowPrivateNetwork: true })).toMatchObject({ ok: true });
});
afterAll(async () => {
  await bridge?.close();
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('captures queued from the UI', () => {
  it('are co-signed by the signed-in operator, whose key the sign-in unlocked', async () => {
    const ivan = await signedInAs('ivan', PASSWORD);
    const record = await captureFromUi(ivan, `${site.http}/`);
    expect(record.context.operator).toBe('ivan');
    const identity = await backend.users.publicIdentity('ivan');
    expect(record.operatorSignature).toMatchObject({
      signer: 'ivan',
      certificateSha256: identity?.user.certificateSha256,
    });
    const manifest = readFileSync(record.artifacts.find((a) => a.kind === 'manifest')?.path ?? '');
    expect(
      verifyEs256(
        identity?.publicKeyPem ?? '',
        manifest,
        Buffer.from(record.operatorSignature?.value ?? '', 'base64'),
      ),
    ).toBe(true);
    expect(record.warnings.map((w) => w.code)).not.toContain('operator.not-cosigned');
  });

  it('carry operator.not-cosigned when the session signed out before the capture sealed', async () => {
    // A page whose answer is held until the session has signed out, so the order is certain.
    let held: ServerResponse | null = null;
    let arrived: () => void = () => undefined;
    const requested = new Promise<void>((r) => (arrived = r));
    const page: Server = createServer((req, res) => {
      if (req.url !== '/held') {
        res.writeHead(404).end();
        return;
      }
      held = res;
      arrived();
    });
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/held`;
    try {
      const ivan = await signedInAs('ivan', PASSWORD);
      const record = await captureFromUi(ivan, url, async () => {
        await requested;
        expect(await call(ivan, 'session.signOut')).toMatchObject({ ok: true });
        held?.writeHead(200, { 'Content-Type': 'text/html' }).end('<h1>held page</h1>');
      });
      expect(record.context.operator).toBe('ivan');
      expect(record.operatorSignature).toBeUndefined();
      const warning = record.warnings.find((w) => w.code === 'operator.not-cosigned');
      expect(warning?.message).toMatch(/signed by the workstation only/);
      // The signed manifest says so too, so the statement travels with the evidence.
      const manifest = readFileSync(record.artifacts.find((a) => a.kind === 'manifest')?.path ?? '', 'utf8');
      expect(manifest).toContain('operator.not-cosigned');
    } finally {
      (held as ServerResponse | null)?.destroy();
      page.closeAllConnections();
      await new Promise<void>((r) => page.close(() => r()));
    }
  });
});
