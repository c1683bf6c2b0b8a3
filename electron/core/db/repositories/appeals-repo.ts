import { AppealDecisionRecord, type Appeal, type AppealState } from '@shared/domain/referral';
import type { ReadConn, WriteConn } from '../database';

/**
 * Appeals against a blocking decision and their signed decisions (migration 0150). An appeal's state
 * is its decision's `to_state`; an appeal has at most one decision (a UNIQUE column).
 */

export type NewAppeal = Readonly<{
  id: string;
  resourceId: string;
  text: string;
  byName: string | null;
  receivedAt: string;
  createdBy: string;
}>;

export async function insertAppeal(tx: WriteConn, a: NewAppeal): Promise<void> {
  await tx.run(
    'INSERT INTO appeals (id, resource_id, text, by_name, received_at, created_by) VALUES (?, ?, ?, ?, ?, ?)',
    [a.id, a.resourceId, a.text, a.byName, a.receivedAt, a.createdBy],
  );
}

type AppealRow = {
  id: string;
  resource_id: string;
  text: string;
  by_name: string | null;
  received_at: string;
  created_by: string;
  to_state: string | null;
  record: string | null;
};

const APPEAL_SELECT = `SELECT a.id, a.resource_id, a.text, a.by_name, a.received_at, a.created_by, e.to_state, e.record
FROM appeals a LEFT JOIN appeal_events e ON e.appeal_id = a.id`;

function appealFromDb(r: AppealRow): Appeal {
  const state: AppealState = r.to_state === 'upheld' ? 'upheld' : r.to_state === 'lifted' ? 'lifted' : 'open';
  return {
    id: r.id as Appeal['id'],
    resourceId: r.resource_id as Appeal['resourceId'],
    text: r.text,
    byName: r.by_name,
    receivedAt: r.received_at,
    createdBy: r.created_by,
    state,
    decision: r.record === null ? null : AppealDecisionRecord.parse(JSON.parse(r.record)),
  };
}

export async function getAppeal(c: ReadConn, id: string): Promise<Appeal | null> {
  const row = await c.get<AppealRow>(`${APPEAL_SELECT} WHERE a.id = ?`, [id]);
  return row ? appealFromDb(row) : null;
}

export async function listAppeals(c: ReadConn, resourceId: string): Promise<Appeal[]> {
  const rows = await c.all<AppealRow>(
    `${APPEAL_SELECT} WHERE a.resource_id = ? ORDER BY a.received_at, a.id`,
    [resourceId],
  );
  return rows.map(appealFromDb);
}

/** Stores the signed appeal decision exactly as signed (one per appeal: the UNIQUE column refuses a second). */
export async function insertAppealDecision(
  tx: WriteConn,
  record: AppealDecisionRecord,
  toState: Exclude<AppealState, 'open'>,
): Promise<void> {
  await tx.run('INSERT INTO appeal_events (appeal_id, at, actor, to_state, record) VALUES (?, ?, ?, ?, ?)', [
    record.appealId,
    record.signedAt,
    record.reviewer.name,
    toState,
    JSON.stringify(record),
  ]);
}
