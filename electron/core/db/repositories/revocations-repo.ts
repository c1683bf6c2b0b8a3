import type { ReadConn, WriteConn } from '../database';

/** Certificates revoked by the local CA; the CRL under `keys/` is built from every row. */

export type RevocationReason = 'superseded' | 'cessationOfOperation' | 'keyCompromise';

export type StoredRevocation = Readonly<{
  serialHex: string;
  certificateSha256: string;
  userId: string | null;
  reason: RevocationReason;
  revokedAt: string;
  revokedBy: string;
}>;

type RevocationRow = {
  serial_hex: string;
  certificate_sha256: string;
  user_id: string | null;
  reason: RevocationReason;
  revoked_at: string;
  revoked_by: string;
};

/** Revoking twice is a no-op: the first revocation (and its date) stands. */
export async function insertRevocation(tx: WriteConn, r: StoredRevocation): Promise<void> {
  await tx.run(
    'INSERT INTO certificate_revocations (serial_hex, certificate_sha256, user_id, reason, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (serial_hex) DO NOTHING',
    [r.serialHex, r.certificateSha256, r.userId, r.reason, r.revokedAt, r.revokedBy],
  );
}

export async function listRevocations(conn: ReadConn): Promise<StoredRevocation[]> {
  const rows = await conn.all<RevocationRow>(
    `SELECT serial_hex, certificate_sha256, user_id, reason, revoked_at, revoked_by FROM certificate_revocations ORDER BY revoked_at, ${conn.dialect.byteOrder('serial_hex')}`,
  );
  return rows.map((r) => ({
    serialHex: r.serial_hex,
    certificateSha256: r.certificate_sha256,
    userId: r.user_id,
    reason: r.reason,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  }));
}
