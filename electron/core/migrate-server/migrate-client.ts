import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Envelope } from '@shared/contract/envelope';
import {
  MIGRATED_TABLES,
  MIGRATION_ROUTES,
  MigrationBeginReply,
  MigrationReport,
  type MigrationBegin,
} from '@shared/contract/methods/migration';
import { AppError } from '@shared/errors/app-error';
import { systemClock } from '../clock';
import { dataPaths, type DataPaths } from '../data-dir';
import { readDataDirMarker } from '../data-dir-state';
import { openDatabase, type Database } from '../db/database';
import { migrate } from '../db/migrate';
import { MIGRATIONS } from '../db/migrations/index';
import { auditRowsFrom } from '../db/repositories/audit-repo';
import { blobsAfter, ROW_KEY, rowsAfter, tableColumns } from '../db/repositories/migration-copy-repo';
import type { TeamServerClient } from '../remote/remote-client';
import { createBlobStore } from '../store/blob-store';

/**
 * The workstation's side of `vigil migrate-to-server`, as a list of stages: take a snapshot of the
 * SQLite database (the data dir itself is only ever read), announce the workstation to the server,
 * stream every blob, then every table in batches, then the custody log as one archive, and ask the
 * server to verify it all. A run broken off midway is resumed by running it again: the server
 * remembers the migration and compares the rows it already holds. Nothing is held whole in memory: blobs are piped, rows paged.
 */

const ROWS_PER_BATCH = 200;
const BLOBS_PER_PAGE = 500;
const AUDIT_PER_PAGE = 1000;

export type MigrationProgress = (stage: string) => void;

type Snapshot = Readonly<{ db: Database; dir: string }>;

function valueOf(envelope: Envelope<unknown>): unknown {
  if (!envelope.ok) throw new AppError(envelope.error.code, envelope.error.message, envelope.error.details);
  return envelope.value;
}

/** A copy of the database (and its WAL) in a temp folder, brought to this version's schema. */
async function snapshotSource(paths: DataPaths): Promise<Snapshot> {
  const marker = await readDataDirMarker(paths);
  if (marker.state !== 'ready' && marker.state !== 'legacy')
    throw new AppError('env.data-dir', `${paths.root} is not an initialised Vigil data dir`);
  if (marker.database !== null || !existsSync(paths.db))
    throw new AppError(
      'env.data-dir',
      `${paths.root} keeps its records on a server, not in its own SQLite file`,
    );
  const dir = await mkdtemp(join(tmpdir(), 'vigil-migrate-'));
  try {
    const copy = join(dir, 'vigil.db');
    await copyFile(paths.db, copy);
    if (existsSync(`${paths.db}-wal`)) await copyFile(`${paths.db}-wal`, `${copy}-wal`);
    const db = await openDatabase(copy);
    await mkdir(join(dir, 'backups'));
    await migrate(db, MIGRATIONS, { backupDir: join(dir, 'backups'), clock: systemClock });
    return { db, dir };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** What a workstation's data dir says of itself when it asks to begin: certificates and signed head. */
export async function readIdentity(paths: DataPaths): Promise<MigrationBegin> {
  const read = (file: string) =>
    readFile(file, 'utf8').catch(() => {
      throw new AppError('env.data-dir', `${file} is missing: the data dir is not complete`);
    });
  return {
    workstationCertificatePem: await read(paths.workstationCert),
    caCertificatePem: await read(paths.caCert),
    head: JSON.parse(await read(paths.auditHead)) as MigrationBegin['head'],
  };
}

async function postJson(client: TeamServerClient, path: string, body: unknown): Promise<unknown> {
  return valueOf(await client.request('POST', path, JSON.stringify(body), 'application/json'));
}

async function putBlob(client: TeamServerClient, sha256: string, file: string): Promise<void> {
  const body = createReadStream(file);
  valueOf(await client.request('PUT', `${MIGRATION_ROUTES.blob}${sha256}`, body, 'application/octet-stream'));
}

async function uploadBlobs(
  client: TeamServerClient,
  snapshot: Snapshot,
  paths: DataPaths,
): Promise<{ count: number; bytes: number }> {
  const source = createBlobStore(paths.blobs);
  let after = '';
  let count = 0;
  let bytes = 0;
  for (;;) {
    const page = await snapshot.db.read((c) => blobsAfter(c, after, BLOBS_PER_PAGE));
    for (const blob of page) {
      await putBlob(client, blob.sha256, source.pathOf(blob.sha256));
      count += 1;
      bytes += blob.bytes;
    }
    const last = page.at(-1);
    if (last === undefined) return { count, bytes };
    after = last.sha256;
  }
}

/** Every row of every copied table, batch by batch in storage order; the count per table. */
async function uploadTables(
  client: TeamServerClient,
  snapshot: Snapshot,
  migrationId: string,
  progress: MigrationProgress,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table } of MIGRATED_TABLES) {
    counts[table] = 0;
    if ((await snapshot.db.read((c) => tableColumns(c, table))).length === 0) continue;
    let after = 0;
    for (;;) {
      const rows = await snapshot.db.read((c) => rowsAfter(c, table, after, ROWS_PER_BATCH));
      const last = rows.at(-1);
      if (last === undefined) break;
      await postJson(client, MIGRATION_ROUTES.rows, { migrationId, table, rows });
      counts[table] += rows.length;
      after = Number(last[ROW_KEY]);
    }
    if (counts[table] > 0) progress(`${table}: ${counts[table]} rows`);
  }
  return counts;
}

/** The custody log, one row per line, written to a temp file and hashed on the way. */
async function writeAuditArchive(snapshot: Snapshot): Promise<{ file: string; sha256: string }> {
  const file = join(snapshot.dir, 'custody.jsonl');
  const out = createWriteStream(file);
  const hash = createHash('sha256');
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      hash.update(text);
      out.write(text, (error) => (error ? reject(error) : resolve()));
    });
  let from = 1;
  for (;;) {
    const rows = await snapshot.db.read((c) => auditRowsFrom(c, from, AUDIT_PER_PAGE));
    if (rows.length === 0) break;
    await write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    from = (rows.at(-1)?.seq ?? from) + 1;
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { file, sha256: hash.digest('hex') };
}

export async function migrateToServer(
  client: TeamServerClient,
  dataDir: string,
  progress: MigrationProgress,
): Promise<MigrationReport> {
  const paths = dataPaths(dataDir);
  const identity = await readIdentity(paths);
  const snapshot = await snapshotSource(paths);
  try {
    const { migrationId, resumed } = MigrationBeginReply.parse(
      await postJson(client, MIGRATION_ROUTES.begin, identity),
    );
    // A resumed run sends everything again: the server keeps what it has after comparing it.
    if (resumed) progress(`resuming migration ${migrationId}`);
    const blobs = await uploadBlobs(client, snapshot, paths);
    progress(`blobs: ${blobs.count} (${blobs.bytes} bytes)`);
    const counts = await uploadTables(client, snapshot, migrationId, progress);
    const archive = await writeAuditArchive(snapshot);
    await putBlob(client, archive.sha256, archive.file);
    progress('verifying on the server');
    return MigrationReport.parse(
      await postJson(client, MIGRATION_ROUTES.finish, {
        migrationId,
        counts,
        blobs,
        auditArchiveSha256: archive.sha256,
      }),
    );
  } finally {
    await snapshot.db.close();
    await rm(snapshot.dir, { recursive: true, force: true });
  }
}
