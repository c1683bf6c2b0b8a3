import type { Migration } from '../migrate';

/**
 * Notices queued for the sending window. A send asked for outside the sending hours (or on a blocked
 * day) is not refused but scheduled: one `scheduled_sends` row with the time the window opens, and,
 * once it was sent (or could no longer be, because the referral moved on), one
 * `scheduled_send_outcomes` row. Both are append-only: a schedule is never edited, it is settled.
 * A schedule without an outcome is pending.
 */
const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;`;

export const migration0210: Migration = {
  version: 210,
  name: 'scheduled-sends',
  sql: `
CREATE TABLE scheduled_sends (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  referral_id TEXT NOT NULL REFERENCES referrals(id),
  kind TEXT NOT NULL CHECK (kind IN ('notice', 'reminder', 'escalation')),
  due_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_by_role TEXT NOT NULL CHECK (created_by_role IN ('investigator', 'reviewer', 'admin'))
) STRICT;
CREATE INDEX scheduled_sends_due ON scheduled_sends(due_at);
CREATE INDEX scheduled_sends_referral ON scheduled_sends(referral_id, id);
${appendOnly('scheduled_sends')}

CREATE TABLE scheduled_send_outcomes (
  schedule_id INTEGER PRIMARY KEY REFERENCES scheduled_sends(id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'cancelled')),
  notice_id INTEGER REFERENCES notices(id),
  detail TEXT
) STRICT;
${appendOnly('scheduled_send_outcomes')}
`,
};
