import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { verifyBundle } from '@core/bundle/bundle-verify';
import { queryOfToken } from '@core/db/repositories/time-stamps-repo';
import { createIntakeService } from '@core/intake/intake-service';
import { chooseTsa } from '@core/settings/tsa-settings';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';

let dir: { path: string; remove: () => void };
let data: string;
let site: FixtureSite;
let tsa: TsaServer;
let stranger: TsaServer;
let backend: Backend;
let resourceId: string;

const configure = (caPem: string, policyOid: string | null) =>
  chooseTsa(
    backend.settings,
    { kind: 'authority', url: tsa.url, caPem, qualified: false, policyOid },
    'test',
  );

const capture = (): Promise<CaptureRecord> =>
  backend.captures.captureResource(resourceId, { operator: 'ivan', allowPrivateNetwork: true });

const pendingWarning = (r: CaptureRecord) => r.warnings.find((w) => w.code === 'timestamp.pending');

beforeAll(async () => {
  dir = tempDir('vigil-seal-ts-');
  data = join(dir.path, 'data');
  [site, tsa, stranger] = await Promise.all([startFixtureSite(), startTsaServer(), startTsaServer()]);
  backend = await createBackend({ dataDir: data, env: { VIGIL_BROWSER: CHROMIUM } });
  const added = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = added.resource.id;
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await Promise.all([site?.close(), tsa?.close(), stranger?.close()]);
  dir?.remove();
});

describe('a token obtained while a capture is sealed', () => {
  it('is not kept when it does not chain to the configured root: the capture stays pending', async () => {
    await configure(stranger.caCertPem, null);
    const record = await capture();
    expect(tsa.received()).toBeGreaterThanOrEqual(1);
    expect(record.timestamp.status).toBe('pending');
    expect(record.artifacts.some((a) => a.kind === 'timestamp-token')).toBe(false);
    expect(pendingWarning(record)).toBeDefined();
  }, 120_000);

  it('is not kept when it was issued under another policy than the configured one', async () => {
    await configure(tsa.caCertPem, '1.2.3.4.5.6');
    const record = await capture();
    expect(record.timestamp.status).toBe('pending');
    expect(pendingWarning(record)?.message).toContain('policy');
  }, 120_000);

  it('is kept with its .tsq, which openssl rechecks, and both travel in the bundle', async () => {
    await configure(tsa.caCertPem, tsa.policy);
    const record = await capture();
    expect(record.timestamp).toMatchObject({ status: 'granted', tsa: tsa.url });
    expect(record.timestamp.serialHex).toMatch(/^[0-9a-f]+$/);
    const tokenSha = record.timestamp.tokenSha256 ?? '';
    const querySha = await backend.workspace.db.read((c) => queryOfToken(c, tokenSha));
    expect(querySha).not.toBeNull();
    const path = backend.workspace.blobs.pathOf;
    const checked = await run('openssl', [
      'ts',
      '-verify',
      '-queryfile',
      path(querySha ?? ''),
      '-in',
      path(tokenSha),
      '-CAfile',
      tsa.caCertPath,
    ]);
    expect(checked.stdout + checked.stderr).toContain('Verification: OK');

    await backend.close();
    const tree = join(dir.path, 'bundle');
    const out = await vigil(['--data', data, 'export', '--resource', resourceId, '--out', tree, '--dir']);
    backend = await createBackend({ dataDir: data, env: { VIGIL_BROWSER: CHROMIUM } });
    // The resource screen reads the token's serial and authority from the kept token itself.
    const shown = await createIntakeService(backend.workspace).getResource(resourceId, 'admin');
    const latest = shown.captures.find((c) => c.id === record.id);
    expect(latest?.timestamp.serialHex).toBe(record.timestamp.serialHex);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const tsq = `captures/${record.id}/manifest.tsq`;
    expect(readFileSync(join(tree, 'SHA256SUMS'), 'utf8')).toContain(tsq);
    const report = await verifyBundle(tree);
    const stamped = (c: { check: string; file: string | null }) =>
      c.check === 'capture.timestamp' && c.file === tsq;
    expect(report.checks.find(stamped)?.ok).toBe(true);
    expect(report.ok).toBe(true);

    // Another genuine query for the same manifest (a fresh nonce): the token does not answer it.
    const copy = join(dir.path, 'tampered');
    await run('cp', ['-r', tree, copy]);
    const other = join(dir.path, 'other.tsq');
    const made = await run('openssl', [
      'ts',
      '-query',
      '-data',
      join(copy, `captures/${record.id}/manifest.json`),
      '-sha256',
      '-cert',
      '-out',
      other,
    ]);
    expect(made.code).toBe(0);
    writeFileSync(join(copy, tsq), readFileSync(other));
    const tampered = await verifyBundle(copy);
    const line = tampered.checks.find(stamped);
    expect(line?.ok).toBe(false);
    expect(line?.message).toContain('nonce');
    expect(tampered.ok).toBe(false);
  }, 180_000);
});
