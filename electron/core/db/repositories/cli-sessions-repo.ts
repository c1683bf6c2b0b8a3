import type { ReadConn, WriteConn } from '../database';

/** One `vigil login` session; the token itself is never stored, only its SHA-256. */
export type CliSession = Readonly<{
  tokenSha256: string;
  userId: string;
  createdAt: string;
  lastUsedAt: string;
  idleExpiresAt: string;
  expiresAt: string;
  /** The JSON of the `EncryptedSecret` holding the user's PKCS#8 key, sealed under the token. */
  keyEnc: string;
  endedAt: string | null;
}>;

type Row = {
  token_sha256: string;
  user_id: string;
  created_at: string;
  last_used_at: string;
  idle_expires_at: string;
  expires_at: string;
  key_enc: string;
  ended_at: string | null;
};

const toSession = (r: Row): CliSession => ({
  tokenSha256: r.token_sha256,
  userId: r.user_id,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  idleExpiresAt: r.idle_expires_at,
  expiresAt: r.expires_at,
  keyEnc: r.key_enc,
  endedAt: r.ended_at,
});

export async function insertCliSession(tx: WriteConn, s: CliSession): Promise<void> {
  await tx.run(
    'INSERT INTO cli_sessions (token_sha256, user_id, created_at, last_used_at, idle_expires_at, expires_at, key_enc, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [s.tokenSha256, s.userId, s.createdAt, s.lastUsedAt, s.idleExpiresAt, s.expiresAt, s.keyEnc, s.endedAt],
  );
}

export async function cliSessionByToken(c: ReadConn, tokenSha256: string): Promise<CliSession | null> {
  const row = await c.get<Row>('SELECT * FROM cli_sessions WHERE token_sha256 = ?', [tokenSha256]);
  return row ? toSession(row) : null;
}

/** Moves the idle limit forward on use; never past the absolute limit (the caller computes it). */
export async function touchCliSession(
  tx: WriteConn,
  tokenSha256: string,
  at: string,
  idleExpiresAt: string,
): Promise<void> {
  await tx.run(
    'UPDATE cli_sessions SET last_used_at = ?, idle_expires_at = ? WHERE token_sha256 = ? AND ended_at IS NULL',
    [at, idleExpiresAt, tokenSha256],
  );
}

export async function endCliSession(tx: WriteConn, tokenSha256: string, at: string): Promise<boolean> {
  const r = await tx.run('UPDATE cli_sessions SET ended_at = ? WHERE token_sha256 = ? AND ended_at IS NULL', [
    at,
    tokenSha256,
  ]);
  return r.changes > 0;
}
