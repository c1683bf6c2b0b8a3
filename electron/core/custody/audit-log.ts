import { createHash } from 'node:crypto';
import type { AuditRow, AuditVerifyResult } from '@shared/contract/methods/custody';
import type { Clock } from '../clock';
import type { ReadConn, WriteConn } from '../db/database';
import {
  auditHead,
  auditRowsFrom,
  auditRowsOfSubjects,
  insertAuditRow,
  listAuditRows,
  lowestSeqBelowOne,
  type AuditFilter,
  type StoredAuditRow,
} from '../db/repositories/audit-repo';
import { canonicalJson } from './canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export type AuditEntry = Readonly<{
  actor: string;
  action: string;
  subject: string;
  details?: Readonly<Record<string, unknown>>;
}>;

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

/** Throws when the stored details are not JSON any more. */
const toRow = (r: StoredAuditRow): AuditRow => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  subject: r.subject,
  details: JSON.parse(r.detailsJson) as unknown,
  prevHash: r.prevHash,
  hash: r.hash,
});

/**
 * Appends one row inside the caller's write transaction. The transaction holds SQLite's write lock,
 * so reading the head and inserting after it cannot interleave with another process.
 */
export async function appendAudit(tx: WriteConn, clock: Clock, entry: AuditEntry): Promise<AuditRow> {
  const head = await auditHead(tx);
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
  const { details, ...columns } = row;
  await insertAuditRow(tx, { ...columns, detailsJson: canonicalJson(details) });
  return row;
}

/** The rows concerning these subjects (`case:…`, `resource:…`), in log order: a bundle's custody excerpt. */
export async function auditRowsConcerning(conn: ReadConn, subjects: readonly string[]): Promise<AuditRow[]> {
  return (await auditRowsOfSubjects(conn, subjects)).map(toRow);
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
  const odd = await lowestSeqBelowOne(conn);
  if (odd !== null) return fail(odd, `row ${odd} has a sequence number below 1`);
  for (;;) {
    const rows = await auditRowsFrom(conn, expectedSeq, BATCH);
    if (rows.length === 0) break;
    for (const stored of rows) {
      if (stored.seq !== expectedSeq)
        return fail(expectedSeq, `row ${expectedSeq} is missing (next row is ${stored.seq})`);
      let row: AuditRow;
      try {
        row = toRow(stored);
      } catch {
        return fail(stored.seq, `row ${stored.seq} has unreadable details`);
      }
      if (row.prevHash !== prevHash)
        return fail(row.seq, `row ${row.seq} does not continue the chain (prevHash differs)`);
      if (auditHash(row) !== row.hash)
        return fail(row.seq, `row ${row.seq} was altered (hash does not recompute)`);
      // The hash covers the parsed details, so a stored text re-spaced or re-ordered would still
      // recompute: the text itself must be exactly the canonical JSON that was hashed.
      if (canonicalJson(row.details) !== stored.detailsJson)
        return fail(
          row.seq,
          `row ${row.seq} was altered (its stored details are not the text that was hashed)`,
        );
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

/** Newest first, for the UI and `vigil audit list`. */
export async function listAudit(
  conn: ReadConn,
  f: AuditFilter,
): Promise<{ rows: AuditRow[]; total: number }> {
  const { rows, total } = await listAuditRows(conn, f);
  return { rows: rows.map(toRow), total };
}
