import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openDatabase, type Database } from '@core/db/database';
import { migrate } from '@core/db/migrate';
import { MIGRATIONS } from '@core/db/migrations/index';
import { openPostgresDatabase } from '@core/db/postgres-database';
import { startPostgres, type PostgresCluster } from './postgres';
import { tempDir } from './temp-dir';

/**
 * Both storage engines for repository tests: `describe.each(dbEngines())` runs the same calls against a
 * fresh SQLite file and a fresh database on a throwaway PostgreSQL cluster (one cluster per test file,
 * started in `beforeAll`, stopped in `afterAll`). Call `dbEngines()` once, at the top of the file.
 */
export type DbEngine = Readonly<{
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database; closed (and its files removed) after the test. */
  open: () => Promise<Database>;
  /** A fresh database with every shipped migration applied. */
  migrated: () => Promise<Database>;
  /** PostgreSQL only: the URL of a fresh, empty database, for tests that open several connections. */
  freshUrl?: () => Promise<string>;
}>;

const clock = () => new Date('2026-11-22T10:00:00.000Z');

export function dbEngines(): readonly DbEngine[] {
  let cluster: PostgresCluster | null = null;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  const withMigrations = async (db: Database): Promise<Database> => {
    await migrate(db, MIGRATIONS, { backupDir: join('/nonexistent', 'backups'), clock });
    return db;
  };
  const sqlite = async (): Promise<Database> => {
    const dir = tempDir();
    const db = await openDatabase(join(dir.path, 'vigil.db'));
    cleanups.push(dir.remove, () => db.close());
    return db;
  };
  const freshUrl = async (): Promise<string> => {
    if (cluster === null) throw new Error('the PostgreSQL cluster did not start');
    return cluster.createDatabase();
  };
  const postgres = async (): Promise<Database> => {
    const db = await openPostgresDatabase(await freshUrl());
    cleanups.push(() => db.close());
    return db;
  };
  return [
    { name: 'sqlite', open: sqlite, migrated: async () => withMigrations(await sqlite()) },
    {
      name: 'postgres',
      open: postgres,
      migrated: async () => withMigrations(await postgres()),
      freshUrl,
    },
  ];
}
