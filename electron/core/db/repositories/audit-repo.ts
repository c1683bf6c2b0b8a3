import type { AuditRow } from '@shared/contract/methods/custody';
import type { ReadConn, WriteConn } from '../database';
import { inBatches, valueRows } from './sql';

/**
 * The `audit` table: the hash-chained custody log. Rows are only ever appended (a trigger refuses
 * updates and deletes); the chain and its hashes are computed and checked in `custody/audit-log.ts`.
 */

/**
 * An audit row as stored: `detailsJson` is the canonical JSON of its details, kept as text so the
 * chain check can tell a row whose details no longer parse from one whose hash is wrong.
 */
export type StoredAuditRow = Readonly<Omit<AuditRow, 'details'> & { detailsJson: string }>;

export type AuditHead = Readonly<{ seq: number; hash: string }>;

export type AuditFilter = Readonly<{
  subject?: string;
  actor?: string;
  action?: string;
  beforeSeq?: number;
  limit: number;
}>;

type DbRow = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
};

const COLUMNS = 'seq, at, actor, action, subject, details, prev_hash, hash';

const fromDb = (r: DbRow): StoredAuditRow => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  subject: r.subject,
  detailsJson: r.details,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** The newest row's sequence number and hash, or null for an empty log. */
export async function auditHead(conn: ReadConn): Promise<AuditHead | null> {
  const head = await conn.get<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1',
  );
  return head ?? null;
}

export async function insertAuditRow(tx: WriteConn, row: StoredAuditRow): Promise<void> {
  await tx.run(`INSERT INTO audit (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
    row.seq,
    row.at,
    row.actor,
    row.action,
    row.subject,
    row.detailsJson,
    row.prevHash,
    row.hash,
  ]);
}

/** Rows per multi-row INSERT: 8 bound values each, far below SQLite's limit on bound parameters. */
const AUDIT_ROWS_PER_INSERT = 400;

/** Inserts consecutive rows with one statement per few hundred (a bulk import's custody rows). */
export async function insertAuditRows(tx: WriteConn, rows: readonly StoredAuditRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += AUDIT_ROWS_PER_INSERT) {
    const end = Math.min(rows.length, i + AUDIT_ROWS_PER_INSERT);
    const params: (string | number)[] = [];
    for (let j = i; j < end; j += 1) {
      const r = rows[j];
      if (r !== undefined)
        params.push(r.seq, r.at, r.actor, r.action, r.subject, r.detailsJson, r.prevHash, r.hash);
    }
    await tx.run(`INSERT INTO audit (${COLUMNS}) VALUES ${valueRows(end - i, 8)}`, params);
  }
}

/** The lowest sequence number below 1, if a row has one (the chain starts at 1). */
export async function lowestSeqBelowOne(conn: ReadConn): Promise<number | null> {
  const odd = await conn.get<{ seq: number }>('SELECT seq FROM audit WHERE seq < 1 ORDER BY seq LIMIT 1');
  return odd?.seq ?? null;
}

/** Up to `limit` rows from `fromSeq` on, oldest first: one batch of a walk along the chain. */
export async function auditRowsFrom(
  conn: ReadConn,
  fromSeq: number,
  limit: number,
): Promise<StoredAuditRow[]> {
  const rows = await conn.all<DbRow>(`SELECT ${COLUMNS} FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?`, [
    fromSeq,
    limit,
  ]);
  return rows.map(fromDb);
}

/** The seq and hash of rows `fromSeq` … `toSeq`, oldest first: where a head may move over rows it knows. */
export async function auditHashesBetween(
  conn: ReadConn,
  fromSeq: number,
  toSeq: number,
): Promise<AuditHead[]> {
  return conn.all<AuditHead>('SELECT seq, hash FROM audit WHERE seq BETWEEN ? AND ? ORDER BY seq', [
    fromSeq,
    toSeq,
  ]);
}

/** One page of the rows matching the filter, newest first, and how many match in all. */
export async function listAuditRows(
  conn: ReadConn,
  f: AuditFilter,
): Promise<{ rows: StoredAuditRow[]; total: number }> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (f.subject !== undefined) {
    where.push('subject = ?');
    params.push(f.subject);
  }
  if (f.actor !== undefined) {
    where.push('actor = ?');
    params.push(f.actor);
  }
  if (f.action !== undefined) {
    where.push('action LIKE ?');
    params.push(`${f.action}%`);
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total = (await conn.get<{ n: number }>(`SELECT count(*) AS n FROM audit ${filter}`, params))?.n ?? 0;
  const page =
    f.beforeSeq === undefined
      ? filter
      : `${filter ? `${filter} AND` : 'WHERE'} seq < ${Math.trunc(f.beforeSeq)}`;
  const rows = await conn.all<DbRow>(`SELECT ${COLUMNS} FROM audit ${page} ORDER BY seq DESC LIMIT ?`, [
    ...params,
    f.limit,
  ]);
  return { rows: rows.map(fromDb), total };
}

export type CustodyExcerptRow = Readonly<{
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  hash: string;
}>;

/** Audit rows whose subject is one of `subjects` (e.g. `resource:…`, `capture:…`), in chain order. */
export async function custodyRowsFor(
  conn: ReadConn,
  subjects: readonly string[],
): Promise<CustodyExcerptRow[]> {
  const unique = [...new Set(subjects)];
  if (unique.length === 0) return [];
  return conn.all<CustodyExcerptRow>(
    `SELECT seq, at, actor, action, subject, hash FROM audit WHERE subject IN (${unique.map(() => '?').join(',')}) ORDER BY seq`,
    unique,
  );
}

/** The rows of these subjects (`case:…`, `resource:…`), in log order, details as stored. */
export async function auditRowsOfSubjects(
  conn: ReadConn,
  subjects: readonly string[],
): Promise<StoredAuditRow[]> {
  const rows = await inBatches(subjects, (batch, marks) =>
    conn.all<DbRow>(`SELECT ${COLUMNS} FROM audit WHERE subject IN (${marks})`, batch),
  );
  return rows.sort((a, b) => a.seq - b.seq).map(fromDb);
}

/** Every row recording `action` (exactly), in log order: e.g. the anchors of migrated workstations. */
export async function auditRowsWithAction(conn: ReadConn, action: string): Promise<StoredAuditRow[]> {
  const rows = await conn.all<DbRow>(`SELECT ${COLUMNS} FROM audit WHERE action = ? ORDER BY seq`, [action]);
  return rows.map(fromDb);
}
