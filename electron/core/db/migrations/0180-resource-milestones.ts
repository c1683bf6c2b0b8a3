import type { Migration } from '../migrate';

/**
 * The unit's statistics read one narrow table instead of five: `resource_milestones` holds one row per
 * event that moves a resource on (created, reported, captured, decided, and its referrals' sent,
 * removed, refused, re-appeared), each carrying the resource's own `created_at` as `period_at`. One
 * index range over `period_at` then yields every fact of a period's resources already grouped by
 * resource, with no sort and no join (`periodAggregates`); a second, partial index does the same for
 * the facts of their referrals. Instants are kept as integer milliseconds too (`at_ms`), so the
 * statistics compare and subtract integers instead of parsing text a million times.
 *
 * The rows are written by triggers in the same statement as the event they copy, so no writer (the
 * services, an import, a bundle, a capture worker) can forget them and no rollback leaves one behind.
 * The table is append-only like the events it mirrors: a later or corrected event is one more row, and
 * the statistics take the first or newest as they did from the source tables. Existing data is copied
 * in by the same rules, in the order of the source rows.
 */
const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;`;

const COLUMNS = 'resource_id, period_at, milestone, at, at_ms, referral_id, event_seq, detail';

/** The instant as integer milliseconds since the epoch (PostgreSQL's rendering has a rule for this form). */
const epochMs = (iso: string): string =>
  `CAST(round((julianday(${iso}) - 2440587.5) * 86400000.0) AS INTEGER)`;

/** The referral events the statistics count, with the reason only where it is a refusal's. */
const REFERRAL_MILESTONE = `CASE e.to_state WHEN 'partially_removed' THEN 'removed' ELSE e.to_state END`;
const REFERRAL_STATES = `('sent', 'removed', 'partially_removed', 'refused', 'reappeared')`;

export const migration0180: Migration = {
  version: 180,
  name: 'resource-milestones',
  sql: `
CREATE TABLE resource_milestones (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  resource_id TEXT NOT NULL,
  period_at TEXT NOT NULL,
  milestone TEXT NOT NULL CHECK (milestone IN ('created', 'reported', 'captured', 'decided', 'sent', 'removed', 'refused', 'reappeared')),
  at TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  referral_id TEXT,
  event_seq INTEGER,
  detail TEXT
) STRICT;
CREATE INDEX resource_milestones_resource ON resource_milestones(period_at, resource_id, milestone, at_ms, detail);
CREATE INDEX resource_milestones_referral ON resource_milestones(period_at, resource_id, referral_id, milestone, at_ms, event_seq)
  WHERE referral_id IS NOT NULL;
${appendOnly('resource_milestones')}

INSERT INTO resource_milestones (${COLUMNS})
  SELECT id, created_at, 'created', created_at, ${epochMs('created_at')}, NULL, NULL, NULL FROM resources ORDER BY rowid;
INSERT INTO resource_milestones (${COLUMNS})
  SELECT p.resource_id, r.created_at, 'reported', p.received_at, ${epochMs('p.received_at')}, NULL, NULL, NULL
  FROM reports p JOIN resources r ON r.id = p.resource_id ORDER BY p.rowid;
INSERT INTO resource_milestones (${COLUMNS})
  SELECT c.resource_id, r.created_at, 'captured', c.started_at, ${epochMs('c.started_at')}, NULL, NULL, NULL
  FROM captures c JOIN resources r ON r.id = c.resource_id WHERE c.outcome != 'failed' ORDER BY c.rowid;
INSERT INTO resource_milestones (${COLUMNS})
  SELECT d.resource_id, r.created_at, 'decided', d.signed_at, ${epochMs('d.signed_at')}, NULL, NULL, d.decision
  FROM decisions d JOIN resources r ON r.id = d.resource_id ORDER BY d.rowid;
INSERT INTO resource_milestones (${COLUMNS})
  SELECT f.resource_id, r.created_at, ${REFERRAL_MILESTONE}, e.at, ${epochMs('e.at')}, f.id, e.seq,
    CASE WHEN e.to_state = 'refused' THEN e.reason END
  FROM referral_events e JOIN referrals f ON f.id = e.referral_id JOIN resources r ON r.id = f.resource_id
  WHERE e.to_state IN ${REFERRAL_STATES} ORDER BY e.seq;

CREATE TRIGGER resources_milestone AFTER INSERT ON resources
BEGIN INSERT INTO resource_milestones (${COLUMNS})
  VALUES (NEW.id, NEW.created_at, 'created', NEW.created_at, ${epochMs('NEW.created_at')}, NULL, NULL, NULL); END;
CREATE TRIGGER reports_milestone AFTER INSERT ON reports
BEGIN INSERT INTO resource_milestones (${COLUMNS})
  SELECT NEW.resource_id, r.created_at, 'reported', NEW.received_at, ${epochMs('NEW.received_at')}, NULL, NULL, NULL
  FROM resources r WHERE r.id = NEW.resource_id; END;
CREATE TRIGGER captures_milestone AFTER INSERT ON captures
BEGIN INSERT INTO resource_milestones (${COLUMNS})
  SELECT NEW.resource_id, r.created_at, 'captured', NEW.started_at, ${epochMs('NEW.started_at')}, NULL, NULL, NULL
  FROM resources r WHERE r.id = NEW.resource_id AND NEW.outcome != 'failed'; END;
CREATE TRIGGER decisions_milestone AFTER INSERT ON decisions
BEGIN INSERT INTO resource_milestones (${COLUMNS})
  SELECT NEW.resource_id, r.created_at, 'decided', NEW.signed_at, ${epochMs('NEW.signed_at')}, NULL, NULL, NEW.decision
  FROM resources r WHERE r.id = NEW.resource_id; END;
CREATE TRIGGER referral_events_milestone AFTER INSERT ON referral_events
BEGIN INSERT INTO resource_milestones (${COLUMNS})
  SELECT f.resource_id, r.created_at, CASE NEW.to_state WHEN 'partially_removed' THEN 'removed' ELSE NEW.to_state END,
    NEW.at, ${epochMs('NEW.at')}, f.id, NEW.seq, CASE WHEN NEW.to_state = 'refused' THEN NEW.reason END
  FROM referrals f JOIN resources r ON r.id = f.resource_id
  WHERE f.id = NEW.referral_id AND NEW.to_state IN ${REFERRAL_STATES}; END;
`,
};
