import type { Migration } from '../migrate';

/**
 * `vigil migrate-to-server` as a recorded job on the team server: which workstation (by the SHA-256
 * of its certificate) is being moved in, since when and by whom, and whether it finished. A server
 * that already holds copied rows resumes only the migration of that same workstation, and only
 * while it is in progress; the row is what makes a broken-off copy recoverable instead of orphaned.
 */
export const migration0240: Migration = {
  version: 240,
  name: 'server-migrations',
  sql: `
CREATE TABLE server_migrations (
  id TEXT PRIMARY KEY,
  workstation_certificate_sha256 TEXT NOT NULL CHECK (length(workstation_certificate_sha256) = 64),
  ca_sha256 TEXT NOT NULL CHECK (length(ca_sha256) = 64),
  source_head_seq INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  started_by TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('in-progress', 'done')),
  finished_at TEXT
) STRICT;
CREATE TRIGGER server_migrations_no_delete BEFORE DELETE ON server_migrations
BEGIN SELECT RAISE(ABORT, 'server_migrations is custody evidence: it is never deleted'); END;
`,
};
