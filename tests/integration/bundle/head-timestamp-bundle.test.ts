import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { verifyBundle } from '@core/bundle/bundle-verify';
import { createIntakeService } from '@core/intake/intake-service';
import { chooseTsa } from '@core/settings/tsa-settings';
import { vigil } from '@tests/helpers/cli';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';

let dir: { path: string; remove: () => void };
let data: string;
let tree: string;
let tsa: TsaServer;

beforeAll(async () => {
  dir = tempDir('vigil-head-bundle-');
  data = join(dir.path, 'data');
  tree = join(dir.path, 'bundle');
  tsa = await startTsaServer();
  const backend = await createBackend({ dataDir: data });
  let resourceId: string;
  try {
    await chooseTsa(
      backend.settings,
      { kind: 'authority', url: tsa.url, caPem: tsa.caCertPem, qualified: false, policyOid: null },
      'test',
    );
    const added = await createIntakeService(backend.workspace).addReport(
      { url: 'https://example.org/shop', sourceType: 'volunteer' },
      { actor: 'ivan' },
    );
    resourceId = added.resource.id;
  } finally {
    await backend.close();
  }
  const out = await vigil(['--data', data, 'export', '--resource', resourceId, '--out', tree, '--dir']);
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
}, 60_000);

afterAll(async () => {
  await tsa?.close();
  dir?.remove();
});

describe('the custody log head time-stamped at export', () => {
  it('goes into the bundle with its query, and the bundle verifier checks it', async () => {
    const report = await verifyBundle(tree);
    const line = report.checks.find((c) => c.check === 'custody.head-timestamp');
    expect(line).toMatchObject({ ok: true, file: 'custody/head.tsr' });
    expect(line?.message).toMatch(/^custody log anchored up to row \d+ at /);
    expect(report.ok).toBe(true);
    const head = JSON.parse(readFileSync(join(tree, 'custody/head.json'), 'utf8')) as { seq: number };
    const backend = await createBackend({ dataDir: data });
    try {
      // The head the token vouches for is the log's row at export time, before the export's own row.
      const row = await backend.workspace.db.read((c) =>
        c.get<{ action: string }>('SELECT action FROM audit WHERE seq = ?', [head.seq + 2]),
      );
      expect(row?.action).toBe('bundle.exported');
    } finally {
      await backend.close();
    }
  });

  it('is checked by a court with openssl alone: the data, and the kept query (nonce)', async () => {
    const f = (name: string) => join(tree, name);
    const overData = await run('openssl', [
      'ts',
      '-verify',
      '-data',
      f('custody/head.json'),
      '-in',
      f('custody/head.tsr'),
      '-CAfile',
      f('tsa/ca.pem'),
    ]);
    expect(overData.stdout + overData.stderr).toContain('Verification: OK');
    const overQuery = await run('openssl', [
      'ts',
      '-verify',
      '-queryfile',
      f('custody/head.tsq'),
      '-in',
      f('custody/head.tsr'),
      '-CAfile',
      f('tsa/ca.pem'),
    ]);
    expect(overQuery.stdout + overQuery.stderr).toContain('Verification: OK');
  });

  it('fails when the kept query is not the one the token answers', async () => {
    const copy = join(dir.path, 'tampered');
    await run('cp', ['-r', tree, copy]);
    // Another genuine query for the same data (a fresh nonce): the token does not answer it.
    const other = await run('openssl', [
      'ts',
      '-query',
      '-data',
      join(copy, 'custody/head.json'),
      '-sha256',
      '-cert',
      '-out',
      join(copy, 'other.tsq'),
    ]);
    expect(other.code).toBe(0);
    writeFileSync(join(copy, 'custody/head.tsq'), readFileSync(join(copy, 'other.tsq')));
    await run('rm', [join(copy, 'other.tsq')]);
    const report = await verifyBundle(copy);
    const line = report.checks.find((c) => c.check === 'custody.head-timestamp');
    expect(line?.ok).toBe(false);
    expect(line?.message).toContain('nonce');
    expect(report.ok).toBe(false);
  });
});
