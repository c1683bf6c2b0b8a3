import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { queryOfToken } from '@core/db/repositories/time-stamps-repo';
import { createIntakeService } from '@core/intake/intake-service';
import { chooseTsa } from '@core/settings/tsa-settings';
import { CaptureRecord } from '@shared/domain/capture-record';
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
let hang: TsaServer;
let record: CaptureRecord;

const configure = async (server: TsaServer) => {
  const backend = await createBackend({ dataDir: data });
  try {
    await chooseTsa(
      backend.settings,
      { kind: 'authority', url: server.url, caPem: server.caCertPem, qualified: false, policyOid: null },
      'test',
    );
  } finally {
    await backend.close();
  }
};

beforeAll(async () => {
  dir = tempDir('vigil-ts-retry-');
  data = join(dir.path, 'data');
  [site, tsa, hang] = await Promise.all([
    startFixtureSite(),
    startTsaServer(),
    startTsaServer({ mode: 'hang' }),
  ]);
  const backend: Backend = await createBackend({ dataDir: data, env: { VIGIL_BROWSER: CHROMIUM } });
  try {
    const added = await createIntakeService(backend.workspace).addReport(
      { url: `${site.http}/`, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    // Sealed while no authority answers: the capture waits for its token.
    record = await backend.captures.captureResource(added.resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: 'http://127.0.0.1:9/',
    });
  } finally {
    await backend.close();
  }
  expect(record.timestamp.status).toBe('pending');
}, 180_000);

afterAll(async () => {
  await Promise.all([site?.close(), tsa?.close(), hang?.close()]);
  dir?.remove();
});

const show = async () => {
  const out = await vigil(['--data', data, 'show', 'capture', record.id, '--json']);
  expect(out.code).toBe(0);
  return CaptureRecord.parse(JSON.parse(out.stdout));
};

describe('pending time-stamps are retried without anyone asking', () => {
  it('the status shows how many are pending and since when', async () => {
    const status = await vigil(['--data', data, 'timestamps', 'status', '--json']);
    const value = JSON.parse(status.stdout) as { pending: { count: number; oldestAt: string | null } };
    expect(value.pending.count).toBe(1);
    expect(value.pending.oldestAt).not.toBeNull();
    expect(Date.parse(value.pending.oldestAt ?? '')).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
  });

  it('a TSA that never answers delays a command by the start-up budget only, and the capture stays pending', async () => {
    await configure(hang);
    const started = performance.now();
    const after = await show();
    // The budget is 2 s; a request left to its ordinary 15 s timeout would blow this generous bound.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(hang.received()).toBeGreaterThanOrEqual(1);
    expect(after.timestamp.status).toBe('pending');
  }, 30_000);

  it('the next command that opens the data dir adds the token, and keeps its .tsq beside the .tsr', async () => {
    await configure(tsa);
    const after = await show();
    expect(after.timestamp.status).toBe('granted');
    expect(after.manifestSha256).toBe(record.manifestSha256);
    const backend = await createBackend({ dataDir: data });
    try {
      const tokenSha = after.timestamp.tokenSha256 ?? '';
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
      const actions = await backend.workspace.db.read((c) =>
        c.all<{ actor: string }>("SELECT actor FROM audit WHERE action = 'capture.timestamped'"),
      );
      expect(actions.map((a) => a.actor)).toEqual(['system']);
    } finally {
      await backend.close();
    }
    const status = await vigil(['--data', data, 'timestamps', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ pending: { count: 0, oldestAt: null } });
  });
});
