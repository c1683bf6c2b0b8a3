import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@core/db/database';
import { openWorkspace, type Workspace } from '@core/workspace';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let ws: Workspace;

async function appendRows(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    await ws.record((_tx, audit) =>
      audit({ actor: 'alice', action: 'test.event', subject: `thing:${i}`, details: { i, text: 'Ж ع' } }),
    );
  }
}

/** What an attacker with the sqlite3 shell can do: drop the guards, then edit rows. */
async function tamper(sql: string): Promise<void> {
  const db = await openDatabase(join(dir.path, 'vigil.db'));
  try {
    await db.raw.exec('DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;');
    await db.raw.exec(sql);
  } finally {
    await db.close();
  }
}

beforeEach(async () => {
  dir = tempDir();
  ({ workspace: ws } = await openWorkspace({ dataDir: dir.path }));
  await appendRows(6); // rows 2..7 (row 1 is the initialisation)
  await ws.close();
});
afterEach(() => dir.remove());

describe('vigil audit verify', () => {
  it('passes on an untouched log', async () => {
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, rows: 7, headSeq: 7, firstBadSeq: null });
  });

  it('names the first bad seq when a row is changed', async () => {
    await tamper('UPDATE audit SET details = \'{"i":99}\' WHERE seq = 4');
    const out = await vigil(['--data', dir.path, 'audit', 'verify']);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/BROKEN at seq 4/);
  });

  it("names the first bad seq when only the spacing of a row's stored details changes", async () => {
    // The same JSON value, so the hash still recomputes: the stored text must be what was hashed.
    await tamper('UPDATE audit SET details = \'{ "i": 2, "text": "Ж ع" }\' WHERE seq = 4');
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('names the first bad seq when a row is changed and its hash recomputed by hand', async () => {
    // Recomputing one hash is not enough: the next row still names the old one.
    await tamper("UPDATE audit SET actor = 'mallory' WHERE seq = 3");
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('names the first bad seq when a row is deleted from the middle', async () => {
    await tamper('DELETE FROM audit WHERE seq = 5');
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('notices rows cut off the end, through the signed head', async () => {
    await tamper('DELETE FROM audit WHERE seq >= 6');
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, firstBadSeq: 6 });
  });

  it('names the first bad seq when a row is inserted', async () => {
    const zero = '0'.repeat(64);
    // Make room at seq 3 by moving the later rows up one, then slip a forged row in.
    await tamper(`
      CREATE TEMP TABLE later AS SELECT * FROM audit WHERE seq >= 3;
      DELETE FROM audit WHERE seq >= 3;
      INSERT INTO audit SELECT seq + 1, at, actor, action, subject, details, prev_hash, hash FROM later;
      INSERT INTO audit VALUES (3, '2026-01-01T00:00:00.000Z', 'mallory', 'x', 'y', '{}', '${zero}', '${zero}');`);
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('refuses a forged signed head', async () => {
    const { writeFileSync, readFileSync } = await import('node:fs');
    const head = join(dir.path, 'logs', 'audit-head.json');
    const parsed = JSON.parse(readFileSync(head, 'utf8')) as { seq: number };
    writeFileSync(head, JSON.stringify({ ...parsed, seq: 3 }));
    const out = await vigil(['--data', dir.path, 'audit', 'verify']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/custody.signature-invalid/);
  });

  it('keeps a forged head as evidence: later writes do not paper over it', async () => {
    const { writeFileSync, readFileSync } = await import('node:fs');
    const head = join(dir.path, 'logs', 'audit-head.json');
    const parsed = JSON.parse(readFileSync(head, 'utf8')) as { seq: number };
    writeFileSync(head, JSON.stringify({ ...parsed, seq: 2 }));
    const forged = readFileSync(head, 'utf8');
    const { workspace } = await openWorkspace({ dataDir: dir.path });
    await workspace.record((_tx, audit) =>
      audit({ actor: 'alice', action: 'test.event', subject: 'thing:later' }),
    );
    await workspace.close();
    expect(readFileSync(head, 'utf8')).toBe(forged);
    expect((await vigil(['--data', dir.path, 'audit', 'verify'])).code).not.toBe(0);
  });
});
