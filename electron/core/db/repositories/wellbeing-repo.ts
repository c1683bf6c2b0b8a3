import type { ReadConn, WriteConn } from '../database';

/** Reveal intervals (append-only start and end rows) and the restricted-vault authorisations. */

export type RevealEndHow = 'hidden' | 'left' | 'next-sign-in';

export type OpenReveal = Readonly<{
  id: string;
  userId: string;
  resourceId: string;
  sha256: string;
  startedAt: string;
}>;

export async function insertReveal(
  tx: WriteConn,
  row: OpenReveal & Readonly<{ day: string }>,
): Promise<void> {
  await tx.run(
    'INSERT INTO media_reveals (id, user_id, resource_id, sha256, started_at, day) VALUES (?, ?, ?, ?, ?, ?)',
    [row.id, row.userId, row.resourceId, row.sha256, row.startedAt, row.day],
  );
}

/** A reveal that has not ended yet (null: unknown, or ended already). */
export async function openReveal(conn: ReadConn, id: string): Promise<OpenReveal | null> {
  const row = await conn.get<OpenRevealRow>(`${OPEN_REVEALS} AND r.id = ?`, [id]);
  return row === undefined ? null : openOf(row);
}

/** Every reveal of a user that never ended (the window closed, the process stopped). */
export async function openRevealsOf(conn: ReadConn, userId: string): Promise<OpenReveal[]> {
  const rows = await conn.all<OpenRevealRow>(`${OPEN_REVEALS} AND r.user_id = ? ORDER BY r.started_at`, [
    userId,
  ]);
  return rows.map(openOf);
}

export async function insertRevealEnd(
  tx: WriteConn,
  row: Readonly<{ revealId: string; endedAt: string; durationMs: number; how: RevealEndHow }>,
): Promise<void> {
  await tx.run('INSERT INTO media_reveal_ends (reveal_id, ended_at, duration_ms, how) VALUES (?, ?, ?, ?)', [
    row.revealId,
    row.endedAt,
    row.durationMs,
    row.how,
  ]);
}

export type ExposureDay = Readonly<{
  userName: string;
  day: string;
  reveals: number;
  /** Sum of the ended reveals' durations (ms); a reveal still open counts once it ends. */
  revealedMs: number;
  open: number;
}>;

/** Exposure per user per day (UTC day of the reveal's start), newest day first. */
export async function exposureByUserDay(
  conn: ReadConn,
  filter: Readonly<{ userId?: string; day?: string; sinceDay?: string }>,
): Promise<ExposureDay[]> {
  const where: string[] = [];
  const params: string[] = [];
  if (filter.userId !== undefined) {
    where.push('r.user_id = ?');
    params.push(filter.userId);
  }
  if (filter.day !== undefined) {
    where.push('r.day = ?');
    params.push(filter.day);
  }
  if (filter.sinceDay !== undefined) {
    where.push('r.day >= ?');
    params.push(filter.sinceDay);
  }
  const rows = await conn.all<{ user_name: string; day: string; reveals: number; ms: number; open: number }>(
    `SELECT u.name AS user_name, r.day AS day, COUNT(*) AS reveals,
            COALESCE(SUM(e.duration_ms), 0) AS ms,
            SUM(CASE WHEN e.reveal_id IS NULL THEN 1 ELSE 0 END) AS open
       FROM media_reveals r
       JOIN users u ON u.id = r.user_id
       LEFT JOIN media_reveal_ends e ON e.reveal_id = r.id
      ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
      GROUP BY r.user_id, u.name, r.day
      ORDER BY r.day DESC, ${conn.dialect.byteOrder('u.name')}`,
    params,
  );
  return rows.map((r) => ({
    userName: r.user_name,
    day: r.day,
    reveals: r.reveals,
    revealedMs: r.ms,
    open: r.open,
  }));
}

export async function insertCsamAuthorisation(
  tx: WriteConn,
  row: Readonly<{ userId: string; authorised: boolean; actor: string; reason: string; at: string }>,
): Promise<void> {
  await tx.run(
    'INSERT INTO csam_authorisations (user_id, authorised, actor, reason, at) VALUES (?, ?, ?, ?, ?)',
    [row.userId, row.authorised ? 1 : 0, row.actor, row.reason, row.at],
  );
}

/** Whether the user's latest authorisation row grants the restricted vault (no row: not authorised). */
export async function csamAuthorised(conn: ReadConn, userId: string): Promise<boolean> {
  const row = await conn.get<{ authorised: number }>(
    'SELECT authorised FROM csam_authorisations WHERE user_id = ? ORDER BY seq DESC LIMIT 1',
    [userId],
  );
  return row?.authorised === 1;
}

type OpenRevealRow = { id: string; user_id: string; resource_id: string; sha256: string; started_at: string };

const OPEN_REVEALS = `SELECT r.id, r.user_id, r.resource_id, r.sha256, r.started_at
  FROM media_reveals r LEFT JOIN media_reveal_ends e ON e.reveal_id = r.id
 WHERE e.reveal_id IS NULL`;

const openOf = (row: OpenRevealRow): OpenReveal => ({
  id: row.id,
  userId: row.user_id,
  resourceId: row.resource_id,
  sha256: row.sha256,
  startedAt: row.started_at,
});
