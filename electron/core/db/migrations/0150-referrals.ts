import type { Migration } from '../migrate';

/**
 * After the decision: recipients, referrals, their events, the notices sent and appeals.
 *
 * A referral's state is not a column: it is the `to_state` of its newest `referral_events` row, so
 * the history cannot disagree with the state and nothing is ever overwritten. Referrals, events,
 * notices, appeals and appeal events are append-only evidence (triggers refuse UPDATE and DELETE).
 * The recipient address book is reference data an admin maintains (verification is recorded as
 * columns and as a custody event); notices copy the address they were sent to.
 */
const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;`;

const REFERRAL_STATES =
  "'draft', 'sent', 'acknowledged', 'removed', 'partially_removed', 'refused', 'moved', 'reappeared', 'lifted'";

export const migration0150: Migration = {
  version: 150,
  name: 'referrals',
  sql: `
CREATE TABLE recipients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('platform', 'hosting', 'registrar', 'isp', 'register', 'authority')),
  channel TEXT NOT NULL CHECK (channel IN ('email', 'portal', 'register')),
  address TEXT NOT NULL,
  language TEXT NOT NULL CHECK (language IN ('en', 'ar', 'ru')),
  verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
  verified_by TEXT,
  verified_at TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
) STRICT;
CREATE TRIGGER recipients_no_delete BEFORE DELETE ON recipients
BEGIN SELECT RAISE(ABORT, 'recipients are referenced by referrals and notices: they are never deleted'); END;

-- Each notice template version as first used: a file edited without a new version is refused.
CREATE TABLE notice_templates (
  id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version > 0),
  sha256 TEXT NOT NULL,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (id, version)
) STRICT;
${appendOnly('notice_templates')}

CREATE TABLE referrals (
  id TEXT PRIMARY KEY,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  decision_id TEXT NOT NULL REFERENCES decisions(id),
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  regime_id TEXT NOT NULL,
  template_version INTEGER NOT NULL CHECK (template_version > 0),
  language TEXT NOT NULL CHECK (language IN ('en', 'ar', 'ru')),
  parent_id TEXT REFERENCES referrals(id),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
) STRICT;
CREATE INDEX referrals_resource ON referrals(resource_id, created_at);
CREATE INDEX referrals_recipient ON referrals(recipient_id);
${appendOnly('referrals')}

CREATE TABLE referral_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  referral_id TEXT NOT NULL REFERENCES referrals(id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  from_state TEXT CHECK (from_state IN (${REFERRAL_STATES})),
  to_state TEXT NOT NULL CHECK (to_state IN (${REFERRAL_STATES})),
  reason TEXT,
  note TEXT,
  evidence TEXT NOT NULL DEFAULT '{}',
  delivered_ref TEXT
) STRICT;
CREATE INDEX referral_events_referral ON referral_events(referral_id, seq);
CREATE INDEX referral_events_state ON referral_events(to_state, at);
${appendOnly('referral_events')}

CREATE TABLE notices (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  referral_id TEXT NOT NULL REFERENCES referrals(id),
  kind TEXT NOT NULL CHECK (kind IN ('notice', 'reminder', 'escalation', 'lift')),
  language TEXT NOT NULL CHECK (language IN ('en', 'ar', 'ru')),
  pdf_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  eml_sha256 TEXT REFERENCES blobs(sha256),
  sent_at TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'portal', 'register')),
  address TEXT NOT NULL,
  message_id TEXT,
  delivered_ref TEXT,
  actor TEXT NOT NULL
) STRICT;
CREATE INDEX notices_referral ON notices(referral_id, id);
${appendOnly('notices')}

CREATE TABLE appeals (
  id TEXT PRIMARY KEY,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  text TEXT NOT NULL,
  by_name TEXT,
  received_at TEXT NOT NULL,
  created_by TEXT NOT NULL
) STRICT;
CREATE INDEX appeals_resource ON appeals(resource_id, received_at);
${appendOnly('appeals')}

-- The decision on an appeal: its signed record exactly as signed, one per appeal.
CREATE TABLE appeal_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  appeal_id TEXT NOT NULL UNIQUE REFERENCES appeals(id),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  to_state TEXT NOT NULL CHECK (to_state IN ('upheld', 'lifted')),
  record TEXT NOT NULL
) STRICT;
${appendOnly('appeal_events')}
`,
};
