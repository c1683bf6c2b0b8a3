import { createHash } from 'node:crypto';
import type { AuditRow, AuditVerifyResult } from '@shared/contract/methods/custody';
import type { Clock } from '../clock';
import type { ReadConn, WriteConn } from '../db/database';
import {
  auditHead,
  auditRowsFrom,
  auditRowsOfSubjects,
  auditRowsWithAction,
  insertAuditRow,
  insertAuditRows,
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
  // Absent details are left out of the canonical object, as `undefined` members are.
  return auditHashOfDetailsText(row, row.details === undefined ? null : canonicalJson(row.details));
}

/**
 * The same hash from the details' canonical text, which the writer stores anyway: the row's canonical
 * JSON is spelt out with its keys in canonical (sorted) order, so the details are encoded once.
 */
function auditHashOfDetailsText(row: Omit<AuditRow, 'hash' | 'details'>, detailsJson: string | null): string {
  // Fed to the hash piece by piece: joining the pieces first would copy the whole row once more.
  const h = createHash('sha256').update(row.prevHash, 'utf8');
  h.update('{"action":').update(JSON.stringify(row.action), 'utf8');
  h.update(',"actor":').update(JSON.stringify(row.actor), 'utf8');
  h.update(',"at":').update(JSON.stringify(row.at), 'utf8');
  if (detailsJson !== null) h.update(',"details":').update(detailsJson, 'utf8');
  h.update(',"prevHash":').update(JSON.stringify(row.prevHash), 'utf8');
  h.update(',"seq":').update(canonicalJson(row.seq), 'utf8');
  h.update(',"subject":').update(JSON.stringify(row.subject), 'utf8');
  return h.update('}').digest('hex');
}

/** Throws when the stored details are not JSON any more. */
export const toRow = (r: StoredAuditRow): AuditRow => ({
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
  const detailsJson = canonicalJson(partial.details);
  const row: AuditRow = { ...partial, hash: auditHashOfDetailsText(partial, detailsJson) };
  const { details: _details, ...columns } = row;
  await insertAuditRow(tx, { ...columns, detailsJson });
  return row;
}

/**
 * `appendAudit` for many entries (a bulk import's batch): the head is read once and the chain is
 * computed in memory, each row naming the previous row's hash exactly as `appendAudit` would, so
 * `verifyAudit` cannot tell the two apart; the rows go in with a few multi-row INSERTs.
 */
export async function appendAuditBatch(
  tx: WriteConn,
  clock: Clock,
  entries: readonly AuditEntry[],
): Promise<AuditRow[]> {
  const head = await auditHead(tx);
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  const rows: AuditRow[] = [];
  const stored: StoredAuditRow[] = [];
  // One row object and one stored object per entry, no intermediate copies: a batch of an import
  // chains a few thousand of them and every copy is garbage the import leaves behind.
  for (const entry of entries) {
    seq += 1;
    const at = clock().toISOString();
    const details = entry.details ?? {};
    const detailsJson = canonicalJson(details);
    const { actor, action, subject } = entry;
    const hash = auditHashOfDetailsText({ seq, at, actor, action, subject, prevHash }, detailsJson);
    rows.push({ seq, at, actor, action, subject, details, prevHash, hash });
    stored.push({ seq, at, actor, action, subject, detailsJson, prevHash, hash });
    prevHash = hash;
  }
  await insertAuditRows(tx, stored);
  return rows;
}

/** The rows recording `action`, in log order. */
export async function auditRowsOfAction(conn: ReadConn, action: string): Promise<AuditRow[]> {
  return (await auditRowsWithAction(conn, action)).map(toRow);
}

/** The rows concerning these subjects (`case:…`, `resource:…`), in log order: a bundle's custody excerpt. */
export async function auditRowsConcerning(conn: ReadConn, subjects: readonly string[]): Promise<AuditRow[]> {
  return (await auditRowsOfSubjects(conn, subjects)).map(toRow);
}

export type AuditAnchor = Readonly<{ seq: number; hash: string }>;

/** The newest row's seq and hash: what a time-stamp over the head of the log vouches for. */
export async function currentAuditHead(conn: ReadConn): Promise<AuditAnchor | null> {
  const head = await auditHead(conn);
  return head === null ? null : { seq: head.seq, hash: head.hash };
}

/** The stored hash of row `seq`, or null when there is no such row. */
export async function auditHashAt(conn: ReadConn, seq: number): Promise<string | null> {
  const [row] = await auditRowsFrom(conn, seq, 1);
  return row !== undefined && row.seq === seq ? row.hash : null;
}

/**
 * Rows read at a time by the walks along the chain. A few hundred: a batch's rows are alive while it
 * is checked, and thousands at once outlived young-generation collections and piled up in the old
 * generation (the walk after a 50,000-line import peaked higher than the import itself).
 */
const BATCH = 500;

/**
 * Walks the whole chain: sequence numbers must run 1, 2, 3… without gaps (a deleted or inserted row
 * shows), each row must name the previous row's hash, and each hash must recompute. The anchor (the
 * newest head this workstation signed) catches rows cut off the end, which a chain alone cannot show.
 */
export async function verifyAudit(
  conn: ReadConn,
  anchorOrHistory: AuditAnchor | readonly AuditAnchor[] | null,
): Promise<AuditVerifyResult> {
  // Every head this workstation ever signed must still be in the log, with the hash it signed.
  const anchors = new Map<number, string>();
  for (const a of anchorOrHistory === null
    ? []
    : 'seq' in anchorOrHistory
      ? [anchorOrHistory]
      : anchorOrHistory)
    anchors.set(a.seq, anchors.get(a.seq) === undefined || anchors.get(a.seq) === a.hash ? a.hash : '');
  let highest = 0;
  for (const seq of anchors.keys()) highest = Math.max(highest, seq);
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
      const signed = anchors.get(row.seq);
      if (signed !== undefined && row.hash !== signed)
        return fail(row.seq, `row ${row.seq} differs from the signed head of the log`);
      prevHash = row.hash;
      expectedSeq += 1;
      count += 1;
    }
  }
  if (highest >= expectedSeq) {
    return fail(
      expectedSeq,
      `the log ends at row ${expectedSeq - 1} but row ${highest} was recorded: rows were removed`,
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

/**
 * Whether the rows after `from` (a signed head; null: the start of the log) up to `toSeq` continue the
 * chain it signed: the row at the head still has the signed hash, and each later row links and
 * recomputes. What a head may move forward over.
 */
export async function chainContinues(
  conn: ReadConn,
  from: AuditAnchor | null,
  toSeq: number,
): Promise<boolean> {
  let expectedSeq = from === null ? 1 : from.seq;
  let prevHash = from === null ? GENESIS_HASH : null;
  while (expectedSeq <= toSeq) {
    const rows = await auditRowsFrom(conn, expectedSeq, Math.min(BATCH, toSeq - expectedSeq + 1));
    if (rows.length === 0) return false;
    for (const stored of rows) {
      if (stored.seq !== expectedSeq) return false;
      if (prevHash === null) {
        // The head's own row: it must be the row that was signed.
        if (from === null || stored.hash !== from.hash) return false;
      } else {
        let row: AuditRow;
        try {
          row = toRow(stored);
        } catch {
          return false;
        }
        if (row.prevHash !== prevHash || auditHash(row) !== row.hash) return false;
        if (canonicalJson(row.details) !== stored.detailsJson) return false;
      }
      prevHash = stored.hash;
      expectedSeq += 1;
    }
  }
  return true;
}

/** Newest first, for the UI and `vigil audit list`. */
export async function listAudit(
  conn: ReadConn,
  f: AuditFilter,
): Promise<{ rows: AuditRow[]; total: number }> {
  const { rows, total } = await listAuditRows(conn, f);
  return { rows: rows.map(toRow), total };
}
