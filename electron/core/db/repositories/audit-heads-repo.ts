import type { ReadConn, WriteConn } from '../database';

/**
 * The `audit_heads` table (migration 0190): the signed heads of the custody log when it is kept in a
 * shared database. Rows are only appended; the newest (highest seq) is the head.
 */
export type StoredSignedHead = Readonly<{
  seq: number;
  hash: string;
  at: string;
  keyId: string;
  signature: string;
}>;

type DbRow = { seq: number; hash: string; at: string; key_id: string; signature: string };

const fromDb = (r: DbRow): StoredSignedHead => ({
  seq: Number(r.seq),
  hash: r.hash,
  at: r.at,
  keyId: r.key_id,
  signature: r.signature,
});

export async function newestSignedHead(conn: ReadConn): Promise<StoredSignedHead | null> {
  const row = await conn.get<DbRow>(
    'SELECT seq, hash, at, key_id, signature FROM audit_heads ORDER BY seq DESC LIMIT 1',
  );
  return row === undefined ? null : fromDb(row);
}

/** Every head, oldest first. */
export async function allSignedHeads(conn: ReadConn): Promise<StoredSignedHead[]> {
  const rows = await conn.all<DbRow>('SELECT seq, hash, at, key_id, signature FROM audit_heads ORDER BY seq');
  return rows.map(fromDb);
}

export async function insertSignedHead(tx: WriteConn, head: StoredSignedHead): Promise<void> {
  await tx.run('INSERT INTO audit_heads (seq, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?)', [
    head.seq,
    head.hash,
    head.at,
    head.keyId,
    head.signature,
  ]);
}

/** Whether the custody log holds any row (a database some data dir already initialised). */
export async function auditHasRows(conn: ReadConn): Promise<boolean> {
  const row = await conn.get<{ n: number }>('SELECT count(*) AS n FROM (SELECT 1 FROM audit LIMIT 1) AS t');
  return (row?.n ?? 0) > 0;
}
