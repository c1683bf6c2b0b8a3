import { createHash } from 'node:crypto';
import type { AuditRow, AuditVerifyResult } from '@shared/contract/methods/custody';
import type { Clock } from '../clock';
import type { ReadConn, WriteConn } from '../db/database';
import { canonicalJson } from './canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditEntry = Readonly<{
  actor: string;
  action: string;
  subject: string;
  details?: Readonly<Record<string, unknown>>;
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

/** hash = sha256(prevHash ‖ canonicalJSON(row without hash)) — DESIGN §5. */
export function auditHash(row: Omit<AuditRow, 'hash'>): string {
  const body = canonicalJson({
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    details: row.details,
    prevHash: row.prevHash,
  });
  return createHash('sha256').update(row.prevHash, 'utf8').update(body, 'utf8').digest('hex');
}

const toRow = (r: DbRow): AuditRow => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  subject: r.subject,
  details: JSON.parse(r.details) as unknown,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * Appends one row inside the caller's write transaction. The transaction holds SQLite's write lock,
 * so reading the head and inserting after it cannot interleave with another process.
 */
export async function appendAudit(tx: WriteConn, clock: Clock, entry: AuditEntry): Promise<AuditRow> {
  const head = await tx.get<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1',
  );
  const partial = {
    seq: (head?.seq ?? 0) + 1,
    at: clock().toISOString(),
    actor: entry.actor,
    action: entry.action,
    subject: entry.subject,
    details: entry.details ?? {},
    prevHash: head?.hash ?? GENESIS_HASH,
  };
  const row: AuditRow = { ...partial, hash: auditHash(partial) };
  await tx.run(
    'INSERT INTO audit (seq, at, actor, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [row.seq, row.at, row.actor, row.action, row.subject, canonicalJson(row.details), row.prevHash, row.hash],
  );
  return row;
}

export type AuditAnchor = Readonly<{ seq: number; hash: string }>;

const BATCH = 5000;

/**
 * Walks the whole chain: sequence numbers must run 1, 2, 3… without gaps (a deleted or inserted row
 * shows), each row must name the previous row's hash, and each hash must recompute. The anchor (the
 * newest head this workstation signed) catches rows cut off the end, which a chain alone cannot show.
 */
export async function verifyAudit(conn: ReadConn, anchor: AuditAnchor | null): Promise<AuditVerifyResult> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let count = 0;
  const fail = (seq: number, problem: string): AuditVerifyResult => ({
    ok: false,
    rows: count,
    headSeq: expectedSeq - 1,
    headHash: expectedSeq > 1 ? prevHash : null,
    firstBadSeq: seq,
    problem,
  });
  let anchorSeen = anchor === null;
  const odd = await conn.get<{ seq: number }>('SELECT seq FROM audit WHERE seq < 1 ORDER BY seq LIMIT 1');
  if (odd) return fail(odd.seq, `row ${odd.seq} has a sequence number below 1`);
  for (;;) {
    const rows = await conn.all<DbRow>(
      'SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit WHERE seq >= ? ORDER BY seq LIMIT ?',
      [expectedSeq, BATCH],
    );
    if (rows.length === 0) break;
    for (const dbRow of rows) {
      if (dbRow.seq !== expectedSeq)
        return fail(expectedSeq, `row ${expectedSeq} is missing (next row is ${dbRow.seq})`);
      let row: AuditRow;
      try {
        row = toRow(dbRow);
      } catch {
        return fail(dbRow.seq, `row ${dbRow.seq} has unreadable details`);
      }
      if (row.prevHash !== prevHash)
        return fail(row.seq, `row ${row.seq} does not continue the chain (prevHash differs)`);
      if (auditHash(row) !== row.hash)
        return fail(row.seq, `row ${row.seq} was altered (hash does not recompute)`);
      if (anchor !== null && row.seq === anchor.seq) {
        if (row.hash !== anchor.hash)
          return fail(row.seq, `row ${row.seq} differs from the signed head of the log`);
        anchorSeen = true;
      }
      prevHash = row.hash;
      expectedSeq += 1;
      count += 1;
    }
  }
  if (!anchorSeen && anchor !== null) {
    return fail(
      expectedSeq,
      `the log ends at row ${expectedSeq - 1} but row ${anchor.seq} was recorded: rows were removed`,
    );
  }
  return {
    ok: true,
    rows: count,
    headSeq: expectedSeq - 1,
    headHash: count > 0 ? prevHash : null,
    firstBadSeq: null,
    problem: null,
  };
}

export type AuditFilter = Readonly<{
  subject?: string;
  actor?: string;
  action?: string;
  beforeSeq?: number;
  limit: number;
}>;

/** Newest first, for the UI and `vigil audit list`. */
export async function listAudit(
  conn: ReadConn,
  f: AuditFilter,
): Promise<{ rows: AuditRow[]; total: number }> {
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
  const rows = await conn.all<DbRow>(
    `SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit ${page} ORDER BY seq DESC LIMIT ?`,
    [...params, f.limit],
  );
  return { rows: rows.map(toRow), total };
}
