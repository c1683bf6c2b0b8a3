import type { Migration } from '../migrate';

/**
 * Capture workers of a team server. An admin registers a worker's own workstation key; the unit CA
 * certifies it, and every request and sealed manifest of that worker is checked against this row.
 * Rows are append-only: a registration is evidence of who could capture for the unit, and when.
 */
export const migration0220: Migration = {
  version: 220,
  name: 'workers',
  sql: `
CREATE TABLE workers (
  name TEXT PRIMARY KEY,
  key_id TEXT NOT NULL UNIQUE,
  public_key_pem TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  certificate_sha256 TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL
) STRICT;
CREATE TRIGGER workers_no_update BEFORE UPDATE ON workers
BEGIN SELECT RAISE(ABORT, 'workers is append-only evidence: record a correction instead'); END;
CREATE TRIGGER workers_no_delete BEFORE DELETE ON workers
BEGIN SELECT RAISE(ABORT, 'workers is append-only evidence: record a correction instead'); END;
`,
};
