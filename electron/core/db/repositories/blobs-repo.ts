import type { ReadConn, WriteConn } from '../database';

/** Registers a stored blob so `verify-store` will re-hash it; a blob already known is left as it is. */
export async function registerBlob(
  tx: WriteConn,
  blob: Readonly<{ sha256: string; bytes: number }>,
  at: string,
): Promise<void> {
  await tx.run(tx.dialect.insertIgnoring('INSERT INTO blobs (sha256, bytes, created_at) VALUES (?, ?, ?)'), [
    blob.sha256,
    blob.bytes,
    at,
  ]);
}

export type KnownBlob = Readonly<{ sha256: string; bytes: number }>;

/** Every blob the database knows, in hash order: what `verify-store` re-hashes. */
export async function listBlobs(conn: ReadConn): Promise<KnownBlob[]> {
  return conn.all<KnownBlob>('SELECT sha256, bytes FROM blobs ORDER BY sha256');
}

export type ServedBlob = Readonly<{ bytes: number; mediaType: string | null; packet: boolean }>;

/**
 * What the artifact servers (HTTP bridge, desktop `evidence://`) may say about a blob. A review packet
 * is a document Vigil generated, shown in the PDF viewer; bytes that were ever captured are treated as
 * captured, whatever else they are also recorded as.
 */
export async function servedBlob(conn: ReadConn, sha256: string): Promise<ServedBlob | null> {
  const row = await conn.get<{ bytes: number; media_type: string | null; captured: number; packet: number }>(
    `SELECT b.bytes AS bytes,
            (SELECT media_type FROM artifacts a WHERE a.sha256 = b.sha256 LIMIT 1) AS media_type,
            EXISTS (SELECT 1 FROM artifacts a WHERE a.sha256 = b.sha256) AS captured,
            EXISTS (SELECT 1 FROM packets p WHERE p.sha256 = b.sha256) AS packet
     FROM blobs b WHERE b.sha256 = ?`,
    [sha256],
  );
  if (!row) return null;
  const packet = row.captured === 0 && row.packet === 1;
  return { bytes: row.bytes, mediaType: packet ? 'application/pdf' : row.media_type, packet };
}
