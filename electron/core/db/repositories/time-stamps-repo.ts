import type { ReadConn, WriteConn } from '../database';

/** RFC 3161 tokens over the custody log's head, and the queries kept beside every token. */

export type HeadTimestampReason = 'export' | 'daily' | 'manual';

export type StoredHeadTimestamp = Readonly<{
  id: number;
  at: string;
  headSeq: number;
  headHash: string;
  reason: HeadTimestampReason;
  tsa: string;
  genTime: string;
  serialHex: string;
  policy: string;
  tsaName: string | null;
  statementSha256: string;
  tokenSha256: string;
  querySha256: string;
}>;

type HeadRow = {
  id: number;
  at: string;
  head_seq: number;
  head_hash: string;
  reason: HeadTimestampReason;
  tsa: string;
  gen_time: string;
  serial_hex: string;
  policy: string;
  tsa_name: string | null;
  statement_sha256: string;
  token_sha256: string;
  query_sha256: string;
};

const COLUMNS =
  'id, at, head_seq, head_hash, reason, tsa, gen_time, serial_hex, policy, tsa_name, statement_sha256, token_sha256, query_sha256';

const fromRow = (r: HeadRow): StoredHeadTimestamp => ({
  id: r.id,
  at: r.at,
  headSeq: r.head_seq,
  headHash: r.head_hash,
  reason: r.reason,
  tsa: r.tsa,
  genTime: r.gen_time,
  serialHex: r.serial_hex,
  policy: r.policy,
  tsaName: r.tsa_name,
  statementSha256: r.statement_sha256,
  tokenSha256: r.token_sha256,
  querySha256: r.query_sha256,
});

export async function insertHeadTimestamp(tx: WriteConn, t: Omit<StoredHeadTimestamp, 'id'>): Promise<void> {
  await tx.run(
    'INSERT INTO audit_head_timestamps (at, head_seq, head_hash, reason, tsa, gen_time, serial_hex, policy, tsa_name, statement_sha256, token_sha256, query_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      t.at,
      t.headSeq,
      t.headHash,
      t.reason,
      t.tsa,
      t.genTime,
      t.serialHex,
      t.policy,
      t.tsaName,
      t.statementSha256,
      t.tokenSha256,
      t.querySha256,
    ],
  );
}

/** Oldest first. */
export async function listHeadTimestamps(conn: ReadConn): Promise<StoredHeadTimestamp[]> {
  const rows = await conn.all<HeadRow>(`SELECT ${COLUMNS} FROM audit_head_timestamps ORDER BY id`);
  return rows.map(fromRow);
}

export async function latestHeadTimestamp(conn: ReadConn): Promise<StoredHeadTimestamp | null> {
  const row = await conn.get<HeadRow>(
    `SELECT ${COLUMNS} FROM audit_head_timestamps ORDER BY id DESC LIMIT 1`,
  );
  return row ? fromRow(row) : null;
}

/** The query a token answers; a token stored twice keeps its first query. */
export async function insertTimestampQuery(
  tx: WriteConn,
  tokenSha256: string,
  querySha256: string,
  at: string,
): Promise<void> {
  await tx.run(
    'INSERT INTO timestamp_queries (token_sha256, query_sha256, at) VALUES (?, ?, ?) ON CONFLICT (token_sha256) DO NOTHING',
    [tokenSha256, querySha256, at],
  );
}

export async function queryOfToken(conn: ReadConn, tokenSha256: string): Promise<string | null> {
  const row = await conn.get<{ query_sha256: string }>(
    'SELECT query_sha256 FROM timestamp_queries WHERE token_sha256 = ?',
    [tokenSha256],
  );
  return row?.query_sha256 ?? null;
}

/** How many captures wait for a token, and the oldest capture among them (its seal time). */
export async function pendingTimestampSummary(
  conn: ReadConn,
): Promise<Readonly<{ count: number; oldestAt: string | null }>> {
  const row = await conn.get<{ n: number; oldest: string | null }>(
    `SELECT COUNT(*) AS n, MIN(t0.at) AS oldest FROM captures c
       JOIN capture_timestamps t0 ON t0.capture_id = c.id
        AND t0.rowid = (SELECT MIN(rowid) FROM capture_timestamps f WHERE f.capture_id = c.id)
      WHERE (SELECT status FROM capture_timestamps t WHERE t.capture_id = c.id ORDER BY at DESC, rowid DESC LIMIT 1) = 'pending'`,
  );
  return { count: row?.n ?? 0, oldestAt: row?.oldest ?? null };
}
