import { createHash, createPrivateKey, sign } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { openDatabase } from '@core/db/database';
import { createIntakeService } from '@core/intake/intake-service';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

// An export refuses what it cannot vouch for: a custody log that does not verify, a capture row that
// disagrees with its signed manifest or that was deleted, and a target inside the data dir.
const CASE = 'CASE-GUARD-1';
let dir: { path: string; remove: () => void };
let site: FixtureSite;
let pristine: string;
let captureId = '';
let copies = 0;

beforeAll(async () => {
  dir = tempDir();
  site = await startFixtureSite();
  pristine = join(dir.path, 'pristine');
  const backend = await createBackend({ dataDir: pristine, env: { VIGIL_BROWSER: CHROMIUM } });
  try {
    const added = await createIntakeService(backend.workspace).addReport(
      { url: `${site.http}/cyrillic`, sourceType: 'volunteer', caseRef: CASE },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    const capture = await backend.captures.captureResource(added.resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      timeoutSeconds: 60,
    });
    captureId = capture.id;
  } finally {
    await backend.close();
  }
}, 180_000);

afterAll(async () => {
  await site?.close();
  dir?.remove();
});

/** A copy of the data dir with `sql` run on it, the append-only triggers of `tables` dropped first. */
async function tampered(tables: readonly string[], sql: string): Promise<string> {
  copies += 1;
  const data = join(dir.path, `copy-${copies}`);
  cpSync(pristine, data, { recursive: true });
  const db = await openDatabase(join(data, 'vigil.db'));
  try {
    const drops = tables.map(
      (t) => `DROP TRIGGER IF EXISTS ${t}_no_update; DROP TRIGGER IF EXISTS ${t}_no_delete;`,
    );
    await db.raw.exec(`PRAGMA foreign_keys = OFF; ${drops.join(' ')} ${sql}`);
  } finally {
    await db.close();
  }
  return data;
}

const exportTo = (data: string, out: string) =>
  vigil(['--data', data, 'export', '--case', CASE, '--out', out]);

describe('export refuses', () => {
  it('exports the untouched data dir (the guards pass on honest evidence)', async () => {
    const data = await tampered([], 'SELECT 1;');
    const out = join(dir.path, 'honest.zip');
    const result = await exportTo(data, out);
    expect(result.code, result.stderr).toBe(0);
    expect((await vigil(['verify', out])).code).toBe(0);
  });

  it('a capture whose title was edited in the database', async () => {
    const data = await tampered(
      ['captures'],
      `UPDATE captures SET record = json_set(record, '$.page.title', 'A harmless page') WHERE id = '${captureId}';`,
    );
    const out = join(dir.path, 'edited.zip');
    const result = await exportTo(data, out);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^error bundle\\.custody-unverified: .*capture ${captureId} is tampered: page\\.title`),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a capture whose row was deleted (the custody log still names it)', async () => {
    const data = await tampered(
      ['captures', 'artifacts'],
      `DELETE FROM artifacts WHERE capture_id = '${captureId}'; DELETE FROM captures WHERE id = '${captureId}';`,
    );
    const out = join(dir.path, 'deleted.zip');
    const result = await exportTo(data, out);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error bundle\\.custody-unverified: .*capture ${captureId} .*in the custody log but not in the database`,
      ),
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a data dir whose custody log does not verify', async () => {
    const data = await tampered(['audit'], `UPDATE audit SET actor = 'someone-else' WHERE seq = 2;`);
    const out = join(dir.path, 'unverified.zip');
    const result = await exportTo(data, out);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error bundle\.custody-unverified: the custody log .* does not verify/);
    expect(existsSync(out)).toBe(false);
  });

  it('--out inside the data dir (keys/, the blob store), but not in its exports/ folder', async () => {
    const data = await tampered([], 'SELECT 1;');
    for (const out of [
      join(data, 'keys', 'case.zip'),
      join(data, 'case.zip'),
      join(data, 'blobs', 'x.zip'),
    ]) {
      const result = await exportTo(data, out);
      expect(result.code, out).toBe(2);
      expect(result.stderr).toMatch(/^error bundle\.write-failed: .* is inside the data dir/);
      expect(existsSync(out)).toBe(false);
    }
    expect((await exportTo(data, join(data, 'exports', 'case.zip'))).code).toBe(0);
  });
});

describe('vigil verify', () => {
  it('fails a bundle whose capture record disagrees with its signed capture manifest, though sums and signature hold', async () => {
    const data = await tampered([], 'SELECT 1;');
    const tree = join(dir.path, 'tree');
    expect((await vigil(['--data', data, 'export', '--case', CASE, '--out', tree, '--dir'])).code).toBe(0);
    // What an exporter trusting an edited row would have written: the record's title changed, and
    // SHA256SUMS and its signature made anew over it with the workstation key.
    const manifestPath = join(tree, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      captures: { page: { title: string } }[];
    };
    const first = manifest.captures[0];
    if (first === undefined) throw new Error('no capture in the bundle');
    first.page.title = 'A harmless page';
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    const sha = createHash('sha256').update(readFileSync(manifestPath)).digest('hex');
    const sums = readFileSync(join(tree, 'SHA256SUMS'), 'utf8').replace(
      /^[0-9a-f]{64}( {2}manifest\.json)$/m,
      `${sha}$1`,
    );
    writeFileSync(join(tree, 'SHA256SUMS'), sums);
    const key = createPrivateKey(readFileSync(join(data, 'keys', 'workstation.key.pem')));
    writeFileSync(join(tree, 'SHA256SUMS.sig'), sign('sha256', Buffer.from(sums), key));
    const result = await vigil(['verify', tree]);
    expect(result.stdout).toMatch(/OK\s+sums\.signature/);
    expect(result.stdout).toMatch(
      new RegExp(`FAIL\\s+capture\\.record\\s+captures/${captureId}/manifest\\.json .*page\\.title`),
    );
    expect(result.code).toBe(1);
  });
});
