import type { Migration } from '../migrate';

/**
 * Report-list imports as resumable jobs. A job is the file (by SHA-256, kept in the blob store) with
 * the options it was imported under; `lines_done` moves forward in the same transaction as each
 * batch of reports, so after a crash the whole batches before it are stored and nothing after it.
 * This is progress state, not evidence: the reports and their custody rows are the record.
 */
export const migration0100: Migration = {
  version: 100,
  name: 'import-jobs',
  sql: `
CREATE TABLE import_jobs (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  file_name TEXT NOT NULL,
  options TEXT NOT NULL,
  actor TEXT NOT NULL,
  started_at TEXT NOT NULL,
  lines_done INTEGER NOT NULL DEFAULT 0 CHECK (lines_done >= 0),
  added INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0,
  finished_at TEXT
) STRICT;
CREATE INDEX import_jobs_open ON import_jobs (sha256, options) WHERE finished_at IS NULL;
`,
};
