import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import type { Clock } from '../clock';
import type { Database, ReadConn } from './database';

/** A shipped schema step. Versions go up in steps of 10 so a fix can slot in between. */
export type Migration = Readonly<{ version: number; name: string; sql: string }>;

export const migrationChecksum = (m: Migration): string =>
  createHash('sha256').update(m.sql, 'utf8').digest('hex');

export type MigrationOutcome = Readonly<{
  from: number;
  to: number;
  applied: number[];
  backup: string | null;
}>;

type AppliedRow = { version: number; name: string; checksum: string };

/** The applied version: SQLite's user_version, or (PostgreSQL) the newest row of schema_migrations. */
export async function schemaVersion(conn: ReadConn): Promise<number> {
  if (conn.dialect.schemaVersionPragma) {
    const row = await conn.get<{ user_version: number }>('PRAGMA user_version');
    return row?.user_version ?? 0;
  }
  if (!(await conn.get<{ name: string }>(conn.dialect.tableExistsSql, ['schema_migrations']))) return 0;
  const row = await conn.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return row?.v ?? 0;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    const prev = migrations[i - 1];
    if (m.version <= 0 || (prev !== undefined && m.version <= prev.version)) {
      throw new AppError('internal.unexpected', `migrations out of order at version ${m.version}`);
    }
  });
}

async function checkApplied(
  conn: ReadConn,
  migrations: readonly Migration[],
  current: number,
): Promise<void> {
  const newest = migrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new AppError(
      'db.from-future',
      `this database has schema version ${current}, newer than this Vigil understands (${newest}); open it with a newer Vigil`,
      { databaseVersion: current, supportedVersion: newest },
    );
  }
  const table = await conn.get<{ name: string }>(conn.dialect.tableExistsSql, ['schema_migrations']);
  if (!table) return;
  const applied = await conn.all<AppliedRow>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  for (const row of applied) {
    const shipped = migrations.find((m) => m.version === row.version);
    if (!shipped) {
      throw new AppError(
        'db.migration-unknown',
        `the database has migration ${row.version} (${row.name}) that this Vigil does not ship`,
      );
    }
    if (migrationChecksum(shipped) !== row.checksum) {
      throw new AppError(
        'db.migration-modified',
        `migration ${row.version} (${row.name}) was changed after it was applied to this database; refusing to continue`,
        { version: row.version },
      );
    }
  }
}

/**
 * The shipped steps this database has not had. A step numbered between two applied ones (versions go
 * up in tens so that one can slot in) is pending too: the applied rows, not the newest version, say
 * what ran. A database without the table has had the steps up to its version (SQLite's user_version).
 */
async function pendingSteps(
  conn: ReadConn,
  migrations: readonly Migration[],
  current: number,
): Promise<Migration[]> {
  const table = await conn.get<{ name: string }>(conn.dialect.tableExistsSql, ['schema_migrations']);
  if (!table) return migrations.filter((m) => m.version > current);
  const applied = new Set(
    (await conn.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) =>
      Number(r.version),
    ),
  );
  return migrations.filter((m) => !applied.has(m.version) && (m.version > current || applied.size > 0));
}

/**
 * Brings the schema to the newest shipped version: forward only, all pending steps in one transaction
 * (all or nothing), after a `VACUUM INTO` backup of any database that already holds data.
 */
export async function migrate(
  db: Database,
  migrations: readonly Migration[],
  opts: Readonly<{ backupDir: string; clock: Clock }>,
): Promise<MigrationOutcome> {
  checkOrder(migrations);
  const before = await schemaVersion(db.raw);
  await checkApplied(db.raw, migrations, before);
  const pending = await pendingSteps(db.raw, migrations, before);
  if (pending.length === 0) return { from: before, to: before, applied: [], backup: null };

  let backup: string | null = null;
  // On PostgreSQL the operator's pg_dump is the backup; the steps still run all or nothing.
  if (before > 0 && db.raw.dialect.name === 'sqlite') {
    mkdirSync(opts.backupDir, { recursive: true });
    const stamp = opts.clock().toISOString().replace(/[:.]/g, '-');
    backup = join(opts.backupDir, `vigil-v${before}-${stamp}.db`);
    // VACUUM INTO cannot run inside a transaction, so it runs on the raw connection first.
    await db.raw.run('VACUUM INTO ?', [backup]);
  }

  return db.write(async (tx) => {
    // Another process may have migrated while we waited for the write lock: decide again inside it.
    const current = await schemaVersion(tx);
    await checkApplied(tx, migrations, current);
    const todo = await pendingSteps(tx, migrations, current);
    await tx.exec(
      tx.dialect.migrationSql(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT;',
      ),
    );
    for (const m of todo) {
      try {
        // The checksum stays over the SQLite text; other engines run its rendering (dialect.ts).
        await tx.exec(tx.dialect.migrationSql(m.sql));
      } catch (error) {
        throw new AppError(
          'db.migration-failed',
          `migration ${m.version} (${m.name}) failed: ${(error as Error).message}`,
        );
      }
      await tx.run(
        'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
        [m.version, m.name, migrationChecksum(m), opts.clock().toISOString()],
      );
    }
    const to = Math.max(current, todo.at(-1)?.version ?? current);
    // PRAGMA takes no bound parameters; `to` is an integer from our own table.
    if (tx.dialect.schemaVersionPragma) await tx.exec(`PRAGMA user_version = ${Math.trunc(to)}`);
    return { from: current, to, applied: todo.map((m) => m.version), backup };
  });
}
