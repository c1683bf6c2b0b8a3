import type { ReadConn, SqlValue, WriteConn } from '../database';
import { valueRows } from './sql';

/**
 * `vigil migrate-to-server`: a workstation's rows read in storage order and written verbatim into a
 * team server's tables (ids, hashes, signatures and the original insertion order kept). Table and
 * column names are never input: the caller passes names from its fixed list, and the columns are the
 * ones this database itself reports for that table.
 */

export type CopiedRow = Readonly<Record<string, SqlValue>>;

/** The storage-order key a batch is paged on (SQLite's rowid, which PostgreSQL keeps as a column). */
export const ROW_KEY = 'vigil_row_key';

const assertName = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a table or column name: ${name}`);
  return name;
};

/** Up to `limit` rows of a (SQLite) table after storage position `after`, oldest first. */
export async function rowsAfter(
  conn: ReadConn,
  table: string,
  after: number,
  limit: number,
): Promise<CopiedRow[]> {
  const t = assertName(table);
  const key = conn.dialect.rowKey(t);
  return conn.all<CopiedRow>(
    `SELECT ${key} AS ${ROW_KEY}, ${key} AS rowid, * FROM ${t} WHERE ${key} > ? ORDER BY ${key} LIMIT ?`,
    [after, limit],
  );
}

/** The columns of a table as this engine stores them. */
export async function tableColumns(conn: ReadConn, table: string): Promise<string[]> {
  const t = assertName(table);
  const rows =
    conn.dialect.name === 'postgres'
      ? await conn.all<{ name: string }>(
          'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position',
          [t],
        )
      : await conn.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [t]);
  return rows.map((r) => r.name);
}

export async function countRows(conn: ReadConn, table: string): Promise<number> {
  const row = await conn.get<{ n: number | string }>(`SELECT count(*) AS n FROM ${assertName(table)}`);
  return Number(row?.n ?? 0);
}

/** Whether the case database holds any evidence at all (a resource, report, capture or decision). */
export async function holdsEvidence(conn: ReadConn): Promise<boolean> {
  const row = await conn.get<{ n: number | string }>(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM resources LIMIT 1) AS r)
          + (SELECT count(*) FROM (SELECT 1 FROM captures LIMIT 1) AS c)
          + (SELECT count(*) FROM (SELECT 1 FROM decisions LIMIT 1) AS d) AS n`,
  );
  return Number(row?.n ?? 0) > 0;
}

/**
 * Inserts the rows with the given columns, values as they were. `ignoreExisting` leaves a row whose
 * key is already there (reference data both sides ship, a user of the same name) and counts it.
 */
export async function insertRowsVerbatim(
  tx: WriteConn,
  table: string,
  columns: readonly string[],
  rows: readonly CopiedRow[],
  ignoreExisting: boolean,
): Promise<{ inserted: number }> {
  if (rows.length === 0) return { inserted: 0 };
  const names = columns.map(assertName);
  // Quoted: a column may be a word one engine reserves (`offset` in PostgreSQL).
  const quoted = names.map((c) => `"${c}"`).join(', ');
  const perStatement = Math.max(1, Math.floor(900 / names.length));
  let inserted = 0;
  for (let i = 0; i < rows.length; i += perStatement) {
    const slice = rows.slice(i, i + perStatement);
    const params = slice.flatMap((row) => names.map((c) => row[c] ?? null));
    const insert = `INSERT INTO ${assertName(table)} (${quoted}) VALUES ${valueRows(slice.length, names.length)}`;
    const sql = ignoreExisting ? tx.dialect.insertIgnoring(insert) : insert;
    inserted += (await tx.run(sql, params)).changes;
  }
  return { inserted };
}

/**
 * PostgreSQL identity columns do not advance on explicit values: each is moved past the highest
 * copied value, so the server's next own row gets a fresh key. Nothing to do on SQLite.
 */
export async function advanceIdentities(tx: WriteConn, table: string): Promise<void> {
  if (tx.dialect.name !== 'postgres') return;
  const t = assertName(table);
  const identities = await tx.all<{ name: string }>(
    "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'",
    [t],
  );
  for (const { name } of identities) {
    const c = assertName(name);
    await tx.get(`SELECT setval(pg_get_serial_sequence(?, ?), GREATEST((SELECT max("${c}") FROM ${t}), 1))`, [
      t,
      c,
    ]);
  }
}

/** Every blob row's hash and size, in pages by hash (a workstation can hold very many). */
export async function blobsAfter(
  conn: ReadConn,
  afterSha256: string,
  limit: number,
): Promise<{ sha256: string; bytes: number }[]> {
  const rows = await conn.all<{ sha256: string; bytes: number | string }>(
    'SELECT sha256, bytes FROM blobs WHERE sha256 > ? ORDER BY sha256 LIMIT ?',
    [afterSha256, limit],
  );
  return rows.map((r) => ({ sha256: r.sha256, bytes: Number(r.bytes) }));
}

/** Captures (id, record JSON, manifest hash) in pages by id, for checking their signatures. */
export async function capturesAfter(
  conn: ReadConn,
  afterId: string,
  limit: number,
): Promise<{ id: string; record: string }[]> {
  return conn.all<{ id: string; record: string }>(
    'SELECT id, record FROM captures WHERE id > ? ORDER BY id LIMIT ?',
    [afterId, limit],
  );
}

/** Decisions (id, signed record JSON) in pages by id, for checking their reviewers' signatures. */
export async function decisionsAfter(
  conn: ReadConn,
  afterId: string,
  limit: number,
): Promise<{ id: string; record: string }[]> {
  return conn.all<{ id: string; record: string }>(
    'SELECT id, record FROM decisions WHERE id > ? ORDER BY id LIMIT ?',
    [afterId, limit],
  );
}

/** Every user's certificate (PEM): the reviewers' keys a migrated decision names. */
export async function userCertificates(conn: ReadConn): Promise<string[]> {
  const rows = await conn.all<{ certificate_pem: string }>('SELECT certificate_pem FROM users');
  return rows.map((r) => r.certificate_pem);
}

/** The primary key of a table on this engine; a table without one is keyed on its explicit `rowid`. */
export async function keyColumns(conn: ReadConn, table: string): Promise<string[]> {
  const t = assertName(table);
  const rows =
    conn.dialect.name === 'postgres'
      ? await conn.all<{ name: string }>(
          `SELECT k.column_name AS name FROM information_schema.table_constraints c
             JOIN information_schema.key_column_usage k
               ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema
            WHERE c.table_schema = current_schema() AND c.table_name = ? AND c.constraint_type = 'PRIMARY KEY'
            ORDER BY k.ordinal_position`,
          [t],
        )
      : await conn.all<{ name: string }>('SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk', [
          t,
        ]);
  if (rows.length > 0) return rows.map((r) => r.name);
  return (await tableColumns(conn, t)).includes('rowid') ? ['rowid'] : [];
}

/**
 * The row whose `columns` hold exactly the given values (null matched as null), or undefined. Used
 * with a key to find the row a copied one collided with, and with every column for a keyless table.
 */
export async function rowMatching(
  conn: ReadConn,
  table: string,
  columns: readonly string[],
  values: readonly SqlValue[],
): Promise<CopiedRow | undefined> {
  const where = columns.map((c, i) =>
    values[i] === null ? `"${assertName(c)}" IS NULL` : `"${assertName(c)}" = ?`,
  );
  return conn.get<CopiedRow>(
    `SELECT * FROM ${assertName(table)} WHERE ${where.join(' AND ')} LIMIT 1`,
    values.filter((v) => v !== null),
  );
}

/** A `vigil migrate-to-server` job as the server records it (migration 0240). */
export type ServerMigration = Readonly<{
  id: string;
  workstationCertificateSha256: string;
  caSha256: string;
  sourceHeadSeq: number;
  startedAt: string;
  startedBy: string;
  state: 'in-progress' | 'done';
  finishedAt: string | null;
}>;

type ServerMigrationDbRow = {
  id: string;
  workstation_certificate_sha256: string;
  ca_sha256: string;
  source_head_seq: number | string;
  started_at: string;
  started_by: string;
  state: 'in-progress' | 'done';
  finished_at: string | null;
};

const serverMigrationOf = (r: ServerMigrationDbRow): ServerMigration => ({
  id: r.id,
  workstationCertificateSha256: r.workstation_certificate_sha256,
  caSha256: r.ca_sha256,
  sourceHeadSeq: Number(r.source_head_seq),
  startedAt: r.started_at,
  startedBy: r.started_by,
  state: r.state,
  finishedAt: r.finished_at,
});

export async function insertServerMigration(tx: WriteConn, m: ServerMigration): Promise<void> {
  await tx.run(
    `INSERT INTO server_migrations (id, workstation_certificate_sha256, ca_sha256, source_head_seq, started_at, started_by, state, finished_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      m.id,
      m.workstationCertificateSha256,
      m.caSha256,
      m.sourceHeadSeq,
      m.startedAt,
      m.startedBy,
      m.state,
      m.finishedAt,
    ],
  );
}

/** The latest migration in the given state, or null. */
export async function latestServerMigration(
  conn: ReadConn,
  state: ServerMigration['state'],
): Promise<ServerMigration | null> {
  const row = await conn.get<ServerMigrationDbRow>(
    'SELECT * FROM server_migrations WHERE state = ? ORDER BY started_at DESC, id DESC LIMIT 1',
    [state],
  );
  return row === undefined ? null : serverMigrationOf(row);
}

/** Marks an in-progress migration done; false when it was not in progress (finished by another run). */
export async function finishServerMigration(tx: WriteConn, id: string, at: string): Promise<boolean> {
  const result = await tx.run(
    "UPDATE server_migrations SET state = 'done', finished_at = ? WHERE id = ? AND state = 'in-progress'",
    [at, id],
  );
  return result.changes === 1;
}
