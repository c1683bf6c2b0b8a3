import { AppError } from '@shared/errors/app-error';
import type { Clock } from './clock';
import { openDatabase, type Database } from './db/database';
import { migrate, schemaVersion, type MigrationOutcome } from './db/migrate';
import { MIGRATIONS } from './db/migrations/index';
import { openPostgresDatabase } from './db/postgres-database';
import { auditHasRows, newestSignedHead } from './db/repositories/audit-heads-repo';
import type { DataPaths } from './data-dir';
import type { DataDirMarker } from './data-dir-state';
import { isDiskFull, storeErrorOf } from './store/store-errors';

/**
 * The database a workspace opens, migrated: the data dir's SQLite file, or (team mode) a PostgreSQL
 * server's database, with the checks that keep a data dir on the one database it was initialised with.
 */
/**
 * The database, migrated. On a full disk SQLite cannot grow its `-shm` file, so it is opened again
 * through one exclusive connection: the read-only checks (`audit verify`, `verify-store`) still run,
 * and every write fails as `store.disk-full`.
 */
export async function openMigrated(
  paths: DataPaths,
  clock: Clock,
): Promise<{ db: Database; migrated: MigrationOutcome }> {
  const attempt = async (exclusive: boolean) => {
    const db = await openDatabase(paths.db, { exclusive });
    try {
      return { db, migrated: await migrate(db, MIGRATIONS, { backupDir: paths.backups, clock }) };
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
  };
  try {
    return await attempt(false);
  } catch (error) {
    if (!isDiskFull(error, paths.root)) throw storeErrorOf(error, paths.root, paths.db) ?? error;
  }
  try {
    return await attempt(true);
  } catch (error) {
    throw storeErrorOf(error, paths.root, paths.db) ?? error;
  }
}

/**
 * A data dir is opened only against the database it was initialised with: its keys signed that
 * database's custody log, and another database (or the SQLite file instead of the server) would
 * start a second, unrelated log under the same keys.
 */
export function requireSameDatabase(paths: DataPaths, marker: DataDirMarker, address: string | null): void {
  if (marker.state === 'fresh' || marker.database === address) return;
  const was = marker.database ?? `its own SQLite database ${paths.db}`;
  const now = address ?? `its own SQLite database ${paths.db}`;
  throw new AppError(
    'env.data-dir',
    `the data dir ${paths.root} was initialised against ${was}; it cannot be opened against ${now}`,
  );
}

/**
 * The team database, migrated. The schema is created only for a data dir being initialised: a
 * database that lost its schema while the data dir says it is ready is damage, never a fresh start;
 * and a new data dir is not put on a database that already holds another data dir's custody log.
 */
export async function openServerMigrated(
  url: string,
  paths: DataPaths,
  clock: Clock,
  state: DataDirMarker['state'],
): Promise<{ db: Database; migrated: MigrationOutcome }> {
  const db = await openPostgresDatabase(url);
  try {
    const version = await schemaVersion(db.raw);
    const initialised = state === 'ready' || state === 'legacy';
    if (initialised && version === 0)
      throw new AppError(
        'store.damaged',
        `the database ${db.path} holds no Vigil schema, but the data dir ${paths.root} was initialised against it: restore the database from its backup (it is never re-created)`,
      );
    if (state === 'fresh' && version > 0 && (await db.read(auditHasRows)))
      throw new AppError(
        'env.data-dir',
        `the database ${db.path} already holds the custody log of another data dir: open that data dir, or initialise against an empty database`,
      );
    const migrated = await migrate(db, MIGRATIONS, { backupDir: paths.backups, clock });
    if (initialised && (await db.read(newestSignedHead)) === null && (await db.read(auditHasRows)))
      throw new AppError(
        'store.damaged',
        `the signed head of the custody log is missing from the database ${db.path} (audit_heads is empty): restore the database from its backup`,
      );
    return { db, migrated };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
