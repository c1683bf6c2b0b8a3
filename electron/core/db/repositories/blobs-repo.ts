import type { Conn } from '../database';

/** Registers a stored blob so `verify-store` will re-hash it; a blob already known is left as it is. */
export async function registerBlob(
  tx: Conn,
  blob: Readonly<{ sha256: string; bytes: number }>,
  at: string,
): Promise<void> {
  await tx.run('INSERT OR IGNORE INTO blobs (sha256, bytes, created_at) VALUES (?, ?, ?)', [
    blob.sha256,
    blob.bytes,
    at,
  ]);
}
