import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@core/db/database';
import { migrate, type Migration } from '@core/db/migrate';
import { MIGRATIONS } from '@core/db/migrations/index';
import { tempDir } from '@tests/helpers/temp-dir';

const clock = () => new Date('2026-11-22T10:00:00.000Z');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freshDb(): Promise<{ db: Database; dir: string }> {
  const dir = tempDir();
  const db = await openDatabase(join(dir.path, 'vigil.db'));
  cleanups.push(dir.remove, () => db.close());
  return { db, dir: dir.path };
}

const m = (version: number, sql: string): Migration => ({ version, name: `m${version}`, sql });

describe('migrations', () => {
  it('applies the shipped schema with WAL, foreign keys and STRICT tables', async () => {
    const { db, dir } = await freshDb();
    const out = await migrate(db, MIGRATIONS, { backupDir: join(dir, 'backups'), clock });
    expect(out.applied).toEqual(MIGRATIONS.map((x) => x.version));
    const mode = await db.read((c) => c.get<{ journal_mode: string }>('PRAGMA journal_mode'));
    expect(mode?.journal_mode).toBe('wal');
    const fk = await db.read((c) => c.get<{ foreign_keys: number }>('PRAGMA foreign_keys'));
    expect(fk?.foreign_keys).toBe(1);
    const tables = await db.read((c) =>
      c.all<{ name: string; strict: number }>(
        "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'text_index%'",
      ),
    );
    expect(tables.length).toBeGreaterThan(8);
    for (const t of tables) expect(t, t.name).toMatchObject({ strict: 1 });
    // A STRICT table refuses a value of the wrong type instead of storing it.
    await expect(
      db.write((tx) =>
        tx.run("INSERT INTO blobs (sha256, bytes, created_at) VALUES (?, 'many', 'x')", ['a'.repeat(64)]),
      ),
    ).rejects.toThrow(/cannot store TEXT value in INTEGER column/);
  });

  it('is idempotent and backs up with VACUUM INTO before migrating a database that holds data', async () => {
    const { db, dir } = await freshDb();
    const backups = join(dir, 'backups');
    await migrate(db, [m(10, 'CREATE TABLE t (x INTEGER) STRICT;')], { backupDir: backups, clock });
    await db.write((tx) => tx.run('INSERT INTO t VALUES (1)'));
    const again = await migrate(db, [m(10, 'CREATE TABLE t (x INTEGER) STRICT;')], {
      backupDir: backups,
      clock,
    });
    expect(again.applied).toEqual([]);
    expect(existsSync(backups)).toBe(false);
    const next = await migrate(
      db,
      [m(10, 'CREATE TABLE t (x INTEGER) STRICT;'), m(20, 'ALTER TABLE t ADD COLUMN y TEXT;')],
      { backupDir: backups, clock },
    );
    expect(next).toMatchObject({ from: 10, to: 20, applied: [20] });
    expect(next.backup).not.toBeNull();
    expect(readdirSync(backups)).toHaveLength(1);
    const copy = await openDatabase(next.backup ?? '');
    cleanups.push(() => copy.close());
    expect(await copy.read((c) => c.get<{ user_version: number }>('PRAGMA user_version'))).toEqual({
      user_version: 10,
    });
    expect(await copy.read((c) => c.all('SELECT x FROM t'))).toEqual([{ x: 1 }]);
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const { db, dir } = await freshDb();
    await migrate(db, [m(10, 'CREATE TABLE t (x INTEGER) STRICT;')], { backupDir: join(dir, 'b'), clock });
    await expect(
      migrate(db, [m(10, 'CREATE TABLE t (x INTEGER, y TEXT) STRICT;')], {
        backupDir: join(dir, 'b'),
        clock,
      }),
    ).rejects.toMatchObject({
      code: 'db.migration-modified',
      message: expect.stringContaining('migration 10'),
    });
  });

  it('refuses a database from the future with a clear message', async () => {
    const { db, dir } = await freshDb();
    await migrate(
      db,
      [m(10, 'CREATE TABLE t (x INTEGER) STRICT;'), m(20, 'CREATE TABLE u (x INTEGER) STRICT;')],
      { backupDir: join(dir, 'b'), clock },
    );
    await expect(
      migrate(db, [m(10, 'CREATE TABLE t (x INTEGER) STRICT;')], { backupDir: join(dir, 'b'), clock }),
    ).rejects.toMatchObject({
      code: 'db.from-future',
      message: expect.stringMatching(/schema version 20, newer than this Vigil understands \(10\)/),
    });
  });

  it('applies pending migrations all or nothing', async () => {
    const { db, dir } = await freshDb();
    await expect(
      migrate(db, [m(10, 'CREATE TABLE t (x INTEGER) STRICT;'), m(20, 'CREATE TABLE broken (;')], {
        backupDir: join(dir, 'b'),
        clock,
      }),
    ).rejects.toMatchObject({ code: 'db.migration-failed' });
    expect(await db.read((c) => c.get<{ user_version: number }>('PRAGMA user_version'))).toEqual({
      user_version: 0,
    });
    expect(await db.read((c) => c.get("SELECT name FROM sqlite_master WHERE name = 't'"))).toBeUndefined();
  });
});

describe('append-only evidence tables', () => {
  const H = 'a'.repeat(64);
  // One valid row per evidence table (foreign keys are switched off for these raw fixture rows).
  const rows: Record<string, string> = {
    reports: `INSERT INTO reports VALUES ('rep_1', 'res_1', 'https://x/', 'citizen', NULL, NULL, NULL, 't', 'u', 't')`,
    blobs: `INSERT INTO blobs VALUES ('${H}', 1, 't')`,
    captures: `INSERT INTO captures VALUES ('cap_1', 'res_1', 'u', 'complete', 't', 't', '${H}', '{}', NULL)`,
    artifacts: `INSERT INTO artifacts VALUES ('cap_1', 'a.png', 'screenshot', 'image/png', 1, '${H}', NULL)`,
    capture_timestamps: `INSERT INTO capture_timestamps VALUES ('cap_1', 't', 'pending', NULL, NULL, NULL)`,
    legal_bases: `INSERT INTO legal_bases VALUES ('lb_1', 1, '{}', 't', 'u')`,
    decisions: `INSERT INTO decisions VALUES ('dec_1', 'res_1', 'u', 'approve', 't', NULL, '{}')`,
    audit: `INSERT INTO audit VALUES (1, 't', 'u', 'a', 's', '{}', '${H}', '${H}')`,
  };
  const updates: Record<string, string> = {
    reports: "UPDATE reports SET note = 'changed'",
    blobs: 'UPDATE blobs SET bytes = 2',
    captures: "UPDATE captures SET outcome = 'failed'",
    artifacts: 'UPDATE artifacts SET bytes = 2',
    capture_timestamps: "UPDATE capture_timestamps SET status = 'granted'",
    legal_bases: "UPDATE legal_bases SET record = '[]'",
    decisions: "UPDATE decisions SET decision = 'reject'",
    audit: "UPDATE audit SET actor = 'mallory'",
  };

  it.each(Object.keys(rows))('%s refuses UPDATE and DELETE', async (table) => {
    const { db, dir } = await freshDb();
    await migrate(db, MIGRATIONS, { backupDir: join(dir, 'b'), clock });
    await db.raw.exec('PRAGMA foreign_keys = OFF');
    await db.write((tx) => tx.run(rows[table] ?? ''));
    await expect(db.write((tx) => tx.run(updates[table] ?? ''))).rejects.toMatchObject({
      code: 'db.append-only',
    });
    await expect(db.write((tx) => tx.run(`DELETE FROM ${table}`))).rejects.toMatchObject({
      code: 'db.append-only',
    });
    expect(await db.read((c) => c.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))).toEqual({
      n: 1,
    });
  });

  it('resources keep their identity: the URL cannot be rewritten, the state can move', async () => {
    const { db, dir } = await freshDb();
    await migrate(db, MIGRATIONS, { backupDir: join(dir, 'b'), clock });
    await db.write((tx) =>
      tx.run(
        "INSERT INTO resources (id, url, display_url, host, state, created_at, updated_at) VALUES ('res_1', 'https://a.example/', 'https://a.example/', 'a.example', 'reported', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
      ),
    );
    await expect(
      db.write((tx) => tx.run("UPDATE resources SET url = 'https://b.example/'")),
    ).rejects.toMatchObject({ code: 'db.append-only' });
    await expect(db.write((tx) => tx.run("UPDATE resources SET state = 'captured'"))).resolves.toMatchObject({
      changes: 1,
    });
    await expect(db.write((tx) => tx.run('DELETE FROM resources'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
  });
});
