import type { Migration } from '../migrate';

/**
 * The `suspected_csam` flag of a resource, as append-only events: a flag is raised (at intake, by an
 * investigator, or by a known-hash list match at capture) and can only be lifted by a later `lifted`
 * event with a reason. The current state is the newest event; no row is ever changed or removed.
 */
export const migration0130: Migration = {
  version: 130,
  name: 'suspected-csam-flags',
  sql: `
CREATE TABLE resource_flag_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  flag TEXT NOT NULL CHECK (flag IN ('suspected_csam')),
  event TEXT NOT NULL CHECK (event IN ('raised', 'lifted')),
  source TEXT NOT NULL CHECK (source IN ('intake', 'investigator', 'hashlist', 'admin')),
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;
CREATE INDEX resource_flag_events_by_resource ON resource_flag_events(resource_id, seq);
CREATE TRIGGER resource_flag_events_no_update BEFORE UPDATE ON resource_flag_events
BEGIN SELECT RAISE(ABORT, 'resource_flag_events is append-only evidence: record a correction instead'); END;
CREATE TRIGGER resource_flag_events_no_delete BEFORE DELETE ON resource_flag_events
BEGIN SELECT RAISE(ABORT, 'resource_flag_events is append-only evidence: record a correction instead'); END;
`,
};
