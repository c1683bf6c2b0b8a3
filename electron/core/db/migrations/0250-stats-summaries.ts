import type { Migration } from '../migrate';

/**
 * The unit's statistics read one summary row per resource and one per referral instead of grouping
 * every milestone of the period (migration 0180) and looking referrals and categories up. A row holds
 * what the statistics take from its sources: the first report, capture, decision, approval and
 * notice, the newest approval and other decision (the decision "as it stands now"), the first
 * removal; for a referral its recipient and regime, first notice, first removal, first refusal and
 * whether it re-appeared. Instants are integer milliseconds, as in 0180.
 *
 * These tables are derived data, not evidence: nothing reads them but the statistics, and they can
 * be rebuilt at any time from the source tables by the same statements that backfill them here
 * (which is also why they are not copied to a team server: its own triggers fill them). They are
 * kept up to date by triggers in the same statement as the source row, so no writer can forget them
 * and no rollback leaves them ahead. Updates only ever move a "first" earlier and a "newest" later,
 * so the order in which the source rows arrive (an import, a copy) does not change the result.
 * The resource's category list is the only source value that changes after insertion; its own
 * trigger follows it.
 */

/** The instant as integer milliseconds since the epoch (PostgreSQL's rendering has a rule for this form). */
const epochMs = (iso: string): string =>
  `CAST(round((julianday(${iso}) - 2440587.5) * 86400000.0) AS INTEGER)`;

/** The column moved to `v` when `v` is earlier (or the column empty); the SQL both engines share. */
const earliest = (column: string, v: string): string =>
  `CASE WHEN ${column} IS NULL OR ${v} < ${column} THEN ${v} ELSE ${column} END`;
const latest = (column: string, v: string): string =>
  `CASE WHEN ${column} IS NULL OR ${v} > ${column} THEN ${v} ELSE ${column} END`;
/** `earliest` only when the source row is of the kind the column counts. */
const earliestIf = (when: string, column: string, v: string): string =>
  `CASE WHEN ${when} THEN ${earliest(column, v)} ELSE ${column} END`;

const RESOURCE_COLUMNS =
  'period_at, categories, created_ms, reported_ms, captured_ms, decided_ms, approved_ms, last_approve_ms, last_other_ms, sent_ms, removed_ms';
const REFERRAL_COLUMNS =
  'period_at, recipient_id, regime_id, sent_ms, removed_ms, refusal_reason, reappeared';
/** The referrals' one index: what their figures group by first, then the period and the rest. */
const REFERRAL_TALLY_COLUMNS =
  'recipient_id, regime_id, refusal_reason, period_at, sent_ms, removed_ms, reappeared';
const REMOVED = `('removed', 'partially_removed')`;

/** The first instant of a resource's source rows of one kind (backfill). */
const firstOf = (table: string, column: string, where: string): string =>
  `(SELECT min(${epochMs(`x.${column}`)}) FROM ${table} x WHERE x.resource_id = r.id${where})`;
const lastOf = (table: string, column: string, where: string): string =>
  `(SELECT max(${epochMs(`x.${column}`)}) FROM ${table} x WHERE x.resource_id = r.id${where})`;
/** The first instant of a referral's events in `states` (backfill). */
const firstEvent = (referral: string, states: string): string =>
  `(SELECT min(${epochMs('e.at')}) FROM referral_events e WHERE e.referral_id = ${referral} AND e.to_state IN ${states})`;
const firstEventOfResource = (states: string): string =>
  `(SELECT min(${epochMs('e.at')}) FROM referral_events e JOIN referrals f ON f.id = e.referral_id
     WHERE f.resource_id = r.id AND e.to_state IN ${states})`;

const BACKFILL = `
INSERT INTO resource_stats (resource_id, ${RESOURCE_COLUMNS})
  SELECT r.id, r.created_at, r.categories, ${epochMs('r.created_at')},
    ${firstOf('reports', 'received_at', '')},
    ${firstOf('captures', 'started_at', " AND x.outcome != 'failed'")},
    ${firstOf('decisions', 'signed_at', '')},
    ${firstOf('decisions', 'signed_at', " AND x.decision = 'approve'")},
    ${lastOf('decisions', 'signed_at', " AND x.decision = 'approve'")},
    ${lastOf('decisions', 'signed_at', " AND x.decision != 'approve'")},
    ${firstEventOfResource(`('sent')`)}, ${firstEventOfResource(REMOVED)}
  FROM resources r;
INSERT INTO referral_stats (referral_id, resource_id, refusal_seq, ${REFERRAL_COLUMNS})
  SELECT f.id, f.resource_id,
    (SELECT min(e.seq) FROM referral_events e WHERE e.referral_id = f.id AND e.to_state = 'refused'),
    r.created_at, f.recipient_id, f.regime_id, ${firstEvent('f.id', `('sent')`)}, ${firstEvent('f.id', REMOVED)},
    NULL, CASE WHEN EXISTS (SELECT 1 FROM referral_events e WHERE e.referral_id = f.id AND e.to_state = 'reappeared')
      THEN 1 ELSE 0 END
  FROM referrals f JOIN resources r ON r.id = f.resource_id;
UPDATE referral_stats SET refusal_reason = coalesce(
    (SELECT e.reason FROM referral_events e WHERE e.seq = referral_stats.refusal_seq), 'other')
  WHERE refusal_seq IS NOT NULL;`;

const NEW_MS = {
  report: epochMs('NEW.received_at'),
  capture: epochMs('NEW.started_at'),
  decision: epochMs('NEW.signed_at'),
  event: epochMs('NEW.at'),
};
const APPROVE = "NEW.decision = 'approve'";
const NOT_APPROVE = "NEW.decision != 'approve'";
const REFUSAL_IS_FIRST = "NEW.to_state = 'refused' AND (refusal_seq IS NULL OR NEW.seq < refusal_seq)";

const TRIGGERS = `
CREATE TRIGGER resources_stats AFTER INSERT ON resources
BEGIN INSERT INTO resource_stats (resource_id, period_at, categories, created_ms)
  VALUES (NEW.id, NEW.created_at, NEW.categories, ${epochMs('NEW.created_at')}); END;
CREATE TRIGGER resources_stats_categories AFTER UPDATE OF categories ON resources
BEGIN UPDATE resource_stats SET categories = NEW.categories WHERE resource_id = NEW.id; END;
CREATE TRIGGER reports_stats AFTER INSERT ON reports
BEGIN UPDATE resource_stats SET reported_ms = ${earliest('reported_ms', NEW_MS.report)}
  WHERE resource_id = NEW.resource_id; END;
CREATE TRIGGER captures_stats AFTER INSERT ON captures
BEGIN UPDATE resource_stats SET captured_ms = ${earliest('captured_ms', NEW_MS.capture)}
  WHERE resource_id = NEW.resource_id AND NEW.outcome != 'failed'; END;
CREATE TRIGGER decisions_stats AFTER INSERT ON decisions
BEGIN UPDATE resource_stats SET decided_ms = ${earliest('decided_ms', NEW_MS.decision)},
    approved_ms = ${earliestIf(APPROVE, 'approved_ms', NEW_MS.decision)},
    last_approve_ms = CASE WHEN ${APPROVE} THEN ${latest('last_approve_ms', NEW_MS.decision)} ELSE last_approve_ms END,
    last_other_ms = CASE WHEN ${NOT_APPROVE} THEN ${latest('last_other_ms', NEW_MS.decision)} ELSE last_other_ms END
  WHERE resource_id = NEW.resource_id; END;
CREATE TRIGGER referrals_stats AFTER INSERT ON referrals
BEGIN INSERT INTO referral_stats (referral_id, resource_id, period_at, recipient_id, regime_id)
  SELECT NEW.id, NEW.resource_id, r.created_at, NEW.recipient_id, NEW.regime_id
  FROM resources r WHERE r.id = NEW.resource_id; END;
CREATE TRIGGER referral_events_stats AFTER INSERT ON referral_events
BEGIN UPDATE referral_stats SET sent_ms = ${earliestIf("NEW.to_state = 'sent'", 'sent_ms', NEW_MS.event)},
    removed_ms = ${earliestIf(`NEW.to_state IN ${REMOVED}`, 'removed_ms', NEW_MS.event)},
    refusal_reason = CASE WHEN ${REFUSAL_IS_FIRST} THEN coalesce(NEW.reason, 'other') ELSE refusal_reason END,
    refusal_seq = CASE WHEN ${REFUSAL_IS_FIRST} THEN NEW.seq ELSE refusal_seq END,
    reappeared = CASE WHEN NEW.to_state = 'reappeared' THEN 1 ELSE reappeared END
  WHERE referral_id = NEW.referral_id AND NEW.to_state IN ('sent', 'removed', 'partially_removed', 'refused', 'reappeared');
  UPDATE resource_stats SET sent_ms = ${earliestIf("NEW.to_state = 'sent'", 'sent_ms', NEW_MS.event)},
    removed_ms = ${earliestIf(`NEW.to_state IN ${REMOVED}`, 'removed_ms', NEW_MS.event)}
  WHERE resource_id = (SELECT f.resource_id FROM referrals f WHERE f.id = NEW.referral_id)
    AND NEW.to_state IN ('sent', 'removed', 'partially_removed'); END;`;

export const migration0250: Migration = {
  version: 250,
  name: 'stats-summaries',
  sql: `
CREATE TABLE resource_stats (
  resource_id TEXT PRIMARY KEY,
  period_at TEXT NOT NULL,
  categories TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  reported_ms INTEGER,
  captured_ms INTEGER,
  decided_ms INTEGER,
  approved_ms INTEGER,
  last_approve_ms INTEGER,
  last_other_ms INTEGER,
  sent_ms INTEGER,
  removed_ms INTEGER
) STRICT;
CREATE TABLE referral_stats (
  referral_id TEXT PRIMARY KEY,
  resource_id TEXT NOT NULL,
  period_at TEXT NOT NULL,
  recipient_id TEXT NOT NULL,
  regime_id TEXT NOT NULL,
  sent_ms INTEGER,
  removed_ms INTEGER,
  refusal_seq INTEGER,
  refusal_reason TEXT,
  reappeared INTEGER NOT NULL DEFAULT 0
) STRICT;
${BACKFILL}
-- Covering indexes, so that no table row is visited: the resources of a period are one range of the
-- first. The grouped figures (per category list; per recipient, regime and refusal reason) read
-- indexes that lead with what they group by, so the groups stream in index order without a sort,
-- the period a range within each group (SQLite's skip-scan) once ANALYZE has counted the groups.
CREATE INDEX resource_stats_period ON resource_stats(${RESOURCE_COLUMNS});
CREATE INDEX resource_stats_category ON resource_stats(categories, period_at, removed_ms);
CREATE INDEX referral_stats_tally ON referral_stats(${REFERRAL_TALLY_COLUMNS});
${TRIGGERS}
`,
};
