import { ScheduledSend, type SchedulableKind } from '@shared/domain/referral';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import type { ReadConn, WriteConn } from '../database';
import type { AuditRecorder } from './referrals-repo';

/**
 * Sends queued for the sending window (migration 0210). Scheduling and settling each write their
 * custody row in the caller's transaction (`notice.scheduled`, `notice.schedule-settled`, subject
 * `referral:<id>`), so the custody log says who queued a notice, for when, and what became of it.
 */

type Row = {
  id: number;
  referral_id: string;
  kind: string;
  due_at: string;
  created_at: string;
  created_by: string;
  created_by_role: string;
  outcome: string | null;
  notice_id: number | null;
};

const SELECT = `SELECT s.*, o.outcome, o.notice_id FROM scheduled_sends s
  LEFT JOIN scheduled_send_outcomes o ON o.schedule_id = s.id`;

export type PendingSchedule = ScheduledSend & Readonly<{ createdByRole: Role }>;

const fromDb = (r: Row): PendingSchedule => ({
  ...ScheduledSend.parse({
    id: r.id,
    referralId: r.referral_id,
    kind: r.kind,
    dueAt: r.due_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    outcome: r.outcome,
    noticeId: r.notice_id,
  }),
  createdByRole: r.created_by_role as Role,
});

export async function insertScheduledSend(
  tx: WriteConn,
  audit: AuditRecorder,
  s: Readonly<{
    referralId: string;
    kind: SchedulableKind;
    dueAt: string;
    at: string;
    actor: string;
    role: Role;
    window: Record<string, unknown>;
  }>,
): Promise<PendingSchedule> {
  const { lastID } = await tx.run(
    `INSERT INTO scheduled_sends (referral_id, kind, due_at, created_at, created_by, created_by_role)
     VALUES (?, ?, ?, ?, ?, ?)${tx.dialect.returningKey('id')}`,
    [s.referralId, s.kind, s.dueAt, s.at, s.actor, s.role],
  );
  await audit({
    actor: s.actor,
    action: 'notice.scheduled',
    subject: `referral:${s.referralId}`,
    details: { scheduleId: lastID, kind: s.kind, dueAt: s.dueAt, window: s.window },
  });
  const row = await tx.get<Row>(`${SELECT} WHERE s.id = ?`, [lastID]);
  if (row === undefined) throw new AppError('internal.unexpected', 'the schedule just written is missing');
  return fromDb(row);
}

/** Settles a pending schedule once: sent (with its notice) or cancelled (with why). */
export async function settleScheduledSend(
  tx: WriteConn,
  audit: AuditRecorder,
  s: Readonly<{
    schedule: PendingSchedule;
    at: string;
    actor: string;
    outcome: 'sent' | 'cancelled';
    noticeId: number | null;
    detail: string | null;
  }>,
): Promise<void> {
  await tx.run(
    `INSERT INTO scheduled_send_outcomes (schedule_id, at, actor, outcome, notice_id, detail) VALUES (?, ?, ?, ?, ?, ?)`,
    [s.schedule.id, s.at, s.actor, s.outcome, s.noticeId, s.detail],
  );
  await audit({
    actor: s.actor,
    action: 'notice.schedule-settled',
    subject: `referral:${s.schedule.referralId}`,
    details: {
      scheduleId: s.schedule.id,
      kind: s.schedule.kind,
      dueAt: s.schedule.dueAt,
      outcome: s.outcome,
      noticeId: s.noticeId,
      detail: s.detail,
    },
  });
}

/** Pending schedules due at or before `at`, oldest due first. */
export async function dueScheduledSends(c: ReadConn, at: string): Promise<PendingSchedule[]> {
  const rows = await c.all<Row>(
    `${SELECT} WHERE o.schedule_id IS NULL AND s.due_at <= ? ORDER BY s.due_at, s.id`,
    [at],
  );
  return rows.map(fromDb);
}

/** Every schedule of a referral, settled or not, oldest first. */
export async function scheduledSendsOf(c: ReadConn, referralId: string): Promise<PendingSchedule[]> {
  const rows = await c.all<Row>(`${SELECT} WHERE s.referral_id = ? ORDER BY s.id`, [referralId]);
  return rows.map(fromDb);
}
