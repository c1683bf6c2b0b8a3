import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { CaptureRecord } from '@shared/domain/capture-record';
import { vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';

const CHROMIUM = process.env.VIGIL_BROWSER ?? '/usr/bin/chromium';

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let tsa: TsaServer;
let backend: Backend;

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function report(url: string) {
  const intake = createIntakeService(backend.workspace);
  return (
    await intake.addReport({ url, sourceType: 'volunteer' }, { actor: 'ivan', allowPrivateNetwork: true })
  ).resource;
}

beforeAll(async () => {
  dir = tempDir();
  [site, tsa] = await Promise.all([startFixtureSite(), startTsaServer()]);
  backend = await createBackend({ dataDir: dir.path, env: { VIGIL_BROWSER: CHROMIUM } });
});
afterAll(async () => {
  await backend?.close();
  await site?.close();
  await tsa?.close();
  dir?.remove();
});

describe('a sealed capture', () => {
  let record: CaptureRecord;
  let resourceId: string;

  beforeAll(async () => {
    resourceId = (await report(`${site.https}/cyrillic`)).id;
    record = await backend.captures.captureResource(resourceId, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      ignoreHttpsErrors: true,
      tsaUrl: tsa.url,
      timeoutSeconds: 60,
    });
  });

  it('has exactly the shape of the capture record (DESIGN §4.1)', () => {
    expect(CaptureRecord.strict().safeParse(record).success).toBe(true);
    expect(record).toMatchObject({
      outcome: 'complete',
      resourceId,
      http: { status: 200 },
      context: { operator: 'ivan' },
    });
    expect(record.tls?.sha256Fingerprint).toBe(site.certSha256);
    expect(record.warnings.map((w) => w.code)).toContain('tls.certificate-error-ignored');
  });

  it('stores every artifact under its SHA-256, and each recomputes', () => {
    const kinds = new Set(record.artifacts.map((a) => a.kind));
    for (const k of [
      'screenshot',
      'screenshot-viewport',
      'mhtml',
      'dom',
      'text',
      'wacz',
      'metadata',
      'console',
      'certificate',
      'manifest',
      'timestamp-token',
    ]) {
      expect(kinds, k).toContain(k);
    }
    for (const a of record.artifacts) {
      expect(sha256File(a.path), a.name).toBe(a.sha256);
      expect(readFileSync(a.path).length, a.name).toBe(a.bytes);
    }
  });

  it('has a manifest that names every evidence file and verifies with openssl under the workstation key', async () => {
    const manifestArtifact = record.artifacts.find((a) => a.kind === 'manifest');
    expect(manifestArtifact?.sha256).toBe(record.manifestSha256);
    const manifest = JSON.parse(readFileSync(manifestArtifact?.path ?? '', 'utf8')) as {
      artifacts: { sha256: string }[];
      captureId: string;
    };
    expect(manifest.captureId).toBe(record.id);
    const evidence = record.artifacts.filter((a) => a.kind !== 'manifest' && a.kind !== 'timestamp-token');
    expect(manifest.artifacts.map((a) => a.sha256).sort()).toEqual(evidence.map((a) => a.sha256).sort());
    const sig = join(dir.path, 'manifest.sig');
    writeFileSync(sig, Buffer.from(record.signature.value, 'base64'));
    const ok = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      backend.workspace.paths.workstationPub,
      '-signature',
      sig,
      manifestArtifact?.path ?? '',
    ]);
    expect(ok.stdout).toContain('Verified OK');
  });

  it('carries an RFC 3161 token over the manifest that openssl ts verifies', async () => {
    expect(record.timestamp).toMatchObject({ status: 'granted', tsa: tsa.url });
    const token = record.artifacts.find((a) => a.kind === 'timestamp-token');
    const manifest = record.artifacts.find((a) => a.kind === 'manifest');
    const out = await run('openssl', [
      'ts',
      '-verify',
      '-in',
      token?.path ?? '',
      '-data',
      manifest?.path ?? '',
      '-CAfile',
      tsa.caCertPath,
      '-untrusted',
      tsa.tsaCertPath,
    ]);
    expect(out.stdout + out.stderr).toContain('Verification: OK');
  });

  it('moves the resource to captured and writes custody events that verify', async () => {
    const rita = await backend.users.create(
      { name: 'rita', role: 'reviewer', password: 'reviewer password' },
      'test',
    );
    const detail = await backend.dispatch({ user: rita }, 'resources.get', { id: resourceId });
    expect(detail).toMatchObject({
      ok: true,
      value: {
        resource: { state: 'captured', captureCount: 1 },
        captures: [expect.objectContaining({ id: record.id })],
      },
    });
    const actions = (
      await backend.workspace.db.read((c) =>
        c.all<{ action: string }>('SELECT action FROM audit ORDER BY seq'),
      )
    ).map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['capture.started', 'capture.sealed', 'resource.state-changed']),
    );
    const verify = await vigil(['--data', dir.path, 'audit', 'verify']);
    expect(verify.code).toBe(0);
  });

  it('puts the page text into the full-text index', async () => {
    const hits = await backend.workspace.db.read((c) =>
      c.all<{ capture_id: string }>("SELECT capture_id FROM text_index WHERE text_index MATCH 'Привет'"),
    );
    expect(hits.map((h) => h.capture_id)).toContain(record.id);
  });
});

describe('time-stamps and re-captures', () => {
  it('seals as pending when the TSA does not answer, and a retry adds the token as a new row', async () => {
    const resource = await report(`${site.http}/`);
    const record = await backend.captures.captureResource(resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: 'http://127.0.0.1:9/',
    });
    expect(record.timestamp.status).toBe('pending');
    expect(record.warnings.map((w) => w.code)).toContain('timestamp.pending');
    const retried = await backend.captures.retryTimestamps('ivan', tsa.url);
    expect(retried.granted).toBeGreaterThanOrEqual(1);
    const reloaded = await vigil(['--data', dir.path, 'show', 'capture', record.id, '--json']);
    const after = CaptureRecord.parse(JSON.parse(reloaded.stdout));
    expect(after.timestamp.status).toBe('granted');
    expect(after.manifestSha256).toBe(record.manifestSha256);
    const rows = await backend.workspace.db.read((c) =>
      c.all<{ status: string }>('SELECT status FROM capture_timestamps WHERE capture_id = ? ORDER BY at', [
        record.id,
      ]),
    );
    expect(rows.map((r) => r.status)).toEqual(['pending', 'granted']);
  });

  it('a re-capture keeps every earlier capture, listed in time order', async () => {
    const resource = await report(`${site.http}/status/404`);
    const first = await backend.captures.captureResource(resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: null,
    });
    const second = await backend.captures.captureResource(resource.id, {
      operator: 'olga',
      allowPrivateNetwork: true,
      tsaUrl: null,
    });
    expect(first.http.status).toBe(404);
    const shown = await vigil(['--data', dir.path, 'show', 'resource', resource.id, '--json']);
    const detail = JSON.parse(shown.stdout) as { captures: { id: string }[] };
    expect(detail.captures.map((c) => c.id)).toEqual([first.id, second.id]);
  });

  it('refuses a public-looking name that resolves into the private network, before the browser connects', async () => {
    const { createCaptureService } = await import('@core/capture/capture-service');
    const pinned = createCaptureService({
      ws: backend.workspace,
      settings: backend.settings,
      env: { VIGIL_BROWSER: CHROMIUM },
      // No DNS server runs on this machine: the answer a rebinding attacker would give is pinned here.
      resolve: (host) =>
        Promise.resolve(host === 'intranet-shop.example' ? ['10.20.30.40'] : ['93.184.216.34']),
    });
    const intake = createIntakeService(backend.workspace);
    const { resource } = await intake.addReport(
      { url: 'https://intranet-shop.example/buy', sourceType: 'citizen' },
      { actor: 'ivan' },
    );
    await expect(pinned.captureResource(resource.id, { operator: 'ivan' })).rejects.toMatchObject({
      code: 'intake.private-address',
      message: expect.stringContaining('10.20.30.40'),
    });
    const rows = await backend.workspace.db.read((c) =>
      c.all('SELECT id FROM captures WHERE resource_id = ?', [resource.id]),
    );
    expect(rows).toEqual([]);
    await pinned.close();
  });

  it('refuses to capture a resource that does not exist', async () => {
    await expect(
      backend.captures.captureResource('res_0000000000nonexistent0', { operator: 'ivan' }),
    ).rejects.toMatchObject({ code: 'evidence.not-found' });
  });
});
