import type { Migration } from '../migrate';

/**
 * Re-checks of referred URLs, and the indexes the unit's statistics read by.
 *
 * A re-check is append-only evidence: what the light fetch saw (status, final URL, the normalised
 * text and DOM hashes), how it was classified against the reviewed capture, and the full capture
 * taken when it proved a removal or a change. The referral's state changes these lead to are
 * referral events, not columns here.
 */
const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;`;

export const migration0160: Migration = {
  version: 160,
  name: 'rechecks',
  sql: `
CREATE TABLE rechecks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  referral_id TEXT NOT NULL REFERENCES referrals(id),
  resource_id TEXT NOT NULL REFERENCES resources(id),
  at TEXT NOT NULL,
  classification TEXT NOT NULL
    CHECK (classification IN ('still_there', 'changed', 'removed', 'geo_blocked', 'unreachable')),
  reason TEXT NOT NULL,
  status INTEGER,
  final_url TEXT,
  text_sha256 TEXT CHECK (text_sha256 IS NULL OR length(text_sha256) = 64),
  dom_sha256 TEXT CHECK (dom_sha256 IS NULL OR length(dom_sha256) = 64),
  capture_id TEXT REFERENCES captures(id),
  actor TEXT NOT NULL
) STRICT;
CREATE INDEX rechecks_referral ON rechecks(referral_id, seq);
${appendOnly('rechecks')}

-- Statistics over a period read each stage's events by time.
CREATE INDEX IF NOT EXISTS reports_received ON reports(received_at, resource_id);
CREATE INDEX IF NOT EXISTS decisions_signed ON decisions(signed_at, resource_id);
CREATE INDEX IF NOT EXISTS captures_started ON captures(started_at, resource_id);
`,
};
