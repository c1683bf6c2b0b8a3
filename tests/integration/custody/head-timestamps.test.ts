import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { listHeadTimestamps } from '@core/db/repositories/time-stamps-repo';
import { vigil } from '@tests/helpers/cli';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';
import { TSA_POLICY, startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';

let dir: { path: string; remove: () => void };
let data: string;
let tsa: TsaServer;
let other: TsaServer;

const settingsRows = async (backend: Backend) =>
  backend.workspace.db.read((c) =>
    c.all<{ details: string }>("SELECT details FROM audit WHERE action = 'settings.changed' ORDER BY seq"),
  );

beforeAll(async () => {
  dir = tempDir('vigil-head-ts-');
  data = join(dir.path, 'data');
  // A second, unrelated authority: its root must not vouch for the first one's tokens.
  [tsa, other] = await Promise.all([startTsaServer(), startTsaServer()]);
  expect((await vigil(['--data', data, 'init'])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await Promise.all([tsa?.close(), other?.close()]);
  dir?.remove();
});

describe('choosing the time-stamp authority', () => {
  it('"none" is an explicit choice, recorded in the custody log and shown as such', async () => {
    const none = await vigil(['--data', data, 'settings', 'tsa', '--none']);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('nothing is time-stamped by an independent authority');
    const status = await vigil(['--data', data, 'timestamps', 'status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ tsa: { status: 'none' }, head: null });
    const backend = await createBackend({ dataDir: data });
    try {
      const rows = await settingsRows(backend);
      expect(JSON.parse(rows.at(-1)?.details ?? '{}')).toMatchObject({
        tsaChoice: { from: 'unset', to: 'none' },
      });
    } finally {
      await backend.close();
    }
  });

  it('takes the URL, the root certificate and the policy; a file that is no certificate is refused', async () => {
    const junk = join(dir.path, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const bad = await vigil(['--data', data, 'settings', 'tsa', '--url', tsa.url, '--ca', junk]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('input.invalid');
    const ok = await vigil([
      '--data',
      data,
      'settings',
      'tsa',
      '--url',
      tsa.url,
      '--ca',
      tsa.caCertPath,
      '--qualified',
      '--policy',
      TSA_POLICY,
      '--json',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      status: 'authority',
      url: tsa.url,
      caConfigured: true,
      qualified: true,
      policyOid: TSA_POLICY,
    });
  });
});

describe('time-stamps over the head of the custody log', () => {
  it('stamps the head, keeps the .tsq beside the .tsr, and audit verify says up to which row the log is anchored', async () => {
    const stamped = await vigil(['--data', data, 'audit', 'timestamp', '--json']);
    expect(stamped.code).toBe(0);
    const stamp = JSON.parse(stamped.stdout) as { headSeq: number; genTime: string };
    const verify = await vigil(['--data', data, 'audit', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`anchored up to row ${stamp.headSeq} at ${stamp.genTime}`);

    const backend = await createBackend({ dataDir: data });
    try {
      const [kept] = await backend.workspace.db.read((c) => listHeadTimestamps(c));
      expect(kept).toBeDefined();
      const path = backend.workspace.blobs.pathOf;
      // A court's own tools: the token is over the statement, and it answers the kept query (nonce).
      const data_ = await run('openssl', [
        'ts',
        '-verify',
        '-data',
        path(kept?.statementSha256 ?? ''),
        '-in',
        path(kept?.tokenSha256 ?? ''),
        '-CAfile',
        tsa.caCertPath,
      ]);
      expect(data_.stdout + data_.stderr).toContain('Verification: OK');
      const query = await run('openssl', [
        'ts',
        '-verify',
        '-queryfile',
        path(kept?.querySha256 ?? ''),
        '-in',
        path(kept?.tokenSha256 ?? ''),
        '-CAfile',
        tsa.caCertPath,
      ]);
      expect(query.stdout + query.stderr).toContain('Verification: OK');
      // The tokens are append-only custody data.
      await expect(
        backend.workspace.db.write((tx) => tx.run("UPDATE audit_head_timestamps SET gen_time = 'x'")),
      ).rejects.toThrow(/append-only/);
    } finally {
      await backend.close();
    }
  });

  it('refuses a token under another policy than the configured one, by name, and keeps nothing', async () => {
    const set = await vigil([
      '--data',
      data,
      'settings',
      'tsa',
      '--url',
      tsa.url,
      '--ca',
      tsa.caCertPath,
      '--policy',
      '1.2.3.4',
    ]);
    expect(set.code).toBe(0);
    const refused = await vigil(['--data', data, 'audit', 'timestamp']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('tsa.policy-mismatch');
    // The token kept earlier no longer meets the configured policy: audit verify says so and fails.
    const verify = await vigil(['--data', data, 'audit', 'verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/head time-stamp of row \d+ FAILED: .*policy/);
  });

  it('refuses a token that does not chain to the configured root', async () => {
    const set = await vigil(['--data', data, 'settings', 'tsa', '--url', tsa.url, '--ca', other.caCertPath]);
    expect(set.code).toBe(0);
    const refused = await vigil(['--data', data, 'audit', 'timestamp']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('tsa.bad-certificate');
    const backend = await createBackend({ dataDir: data });
    try {
      expect(await backend.workspace.db.read((c) => listHeadTimestamps(c))).toHaveLength(1);
    } finally {
      await backend.close();
    }
  });

  it('is renewed at least once a day while Vigil runs (the time keeper, on the injected clock)', async () => {
    const set = await vigil(['--data', data, 'settings', 'tsa', '--url', tsa.url, '--ca', tsa.caCertPath]);
    expect(set.code).toBe(0);
    let now = new Date();
    const backend = await createBackend({ dataDir: data, clock: () => now });
    try {
      const heads = () => backend.workspace.db.read((c) => listHeadTimestamps(c));
      const first = await backend.time.round();
      // The token taken by `audit timestamp` above was taken moments ago: not due yet.
      expect(first.head).toBeNull();
      now = new Date(now.getTime() + 25 * 60 * 60 * 1000);
      const second = await backend.time.round();
      expect(second.head?.status).toBe('granted');
      const all = await heads();
      expect(all.map((h) => h.reason)).toEqual(['manual', 'daily']);
      expect((await backend.time.round()).head).toBeNull();
    } finally {
      await backend.close();
    }
  });
});
