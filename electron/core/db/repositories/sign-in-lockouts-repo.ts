import type { ReadConn, WriteConn } from '../database';

/** A user's failed sign-ins since their last success or unlock. */
export type SignInFailures = Readonly<{
  userId: string;
  failures: number;
  lastFailureAt: string;
  lockedAt: string | null;
}>;

type Row = { user_id: string; failures: number; last_failure_at: string; locked_at: string | null };

export async function signInFailuresOf(c: ReadConn, userId: string): Promise<SignInFailures | null> {
  const row = await c.get<Row>(
    'SELECT user_id, failures, last_failure_at, locked_at FROM sign_in_lockouts WHERE user_id = ?',
    [userId],
  );
  return row === undefined
    ? null
    : {
        userId: row.user_id,
        failures: row.failures,
        lastFailureAt: row.last_failure_at,
        lockedAt: row.locked_at,
      };
}

export async function writeSignInFailures(tx: WriteConn, f: SignInFailures): Promise<void> {
  await tx.run(
    `INSERT INTO sign_in_lockouts (user_id, failures, last_failure_at, locked_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(user_id) DO UPDATE SET failures = excluded.failures,
       last_failure_at = excluded.last_failure_at, locked_at = excluded.locked_at`,
    [f.userId, f.failures, f.lastFailureAt, f.lockedAt],
  );
}

export async function clearSignInFailures(tx: WriteConn, userId: string): Promise<void> {
  await tx.run('DELETE FROM sign_in_lockouts WHERE user_id = ?', [userId]);
}

/** The ids of the users locked out now (what the users screen marks and offers to unlock). */
export async function lockedUserIds(c: ReadConn): Promise<Set<string>> {
  const rows = await c.all<{ user_id: string }>(
    'SELECT user_id FROM sign_in_lockouts WHERE locked_at IS NOT NULL',
  );
  return new Set(rows.map((r) => r.user_id));
}
