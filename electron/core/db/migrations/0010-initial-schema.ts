import type { Migration } from '../migrate';

/**
 * The first schema. Evidence and custody tables are append-only (DESIGN §3): triggers abort any
 * UPDATE or DELETE, and corrections are new rows that refer to old ones. Shipped migrations are never
 * edited: the runner compares checksums and refuses a database migrated by a different text.
 */
const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;`;

export const migration0010: Migration = {
  version: 10,
  name: 'initial-schema',
  sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('investigator', 'reviewer', 'admin')),
  password_hash TEXT NOT NULL,
  public_key_pem TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  private_key_enc TEXT NOT NULL,
  created_at TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  ref TEXT NOT NULL UNIQUE,
  title TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ar', 'ru')),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL
) STRICT;

CREATE TABLE resources (
  id TEXT PRIMARY KEY,
  case_id TEXT REFERENCES cases(id),
  url TEXT NOT NULL UNIQUE,
  display_url TEXT NOT NULL,
  host TEXT NOT NULL,
  state TEXT NOT NULL,
  categories TEXT NOT NULL DEFAULT '[]',
  report_count INTEGER NOT NULL DEFAULT 0,
  capture_count INTEGER NOT NULL DEFAULT 0,
  last_captured_at TEXT,
  last_title TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX resources_state ON resources(state, updated_at);
CREATE INDEX resources_updated ON resources(updated_at);
CREATE INDEX resources_created ON resources(created_at);
CREATE INDEX resources_host ON resources(host);

-- A resource's identity (what was reported) never changes; only its workflow state and summaries do.
CREATE TRIGGER resources_identity BEFORE UPDATE OF id, url, display_url, host, created_at ON resources
BEGIN SELECT RAISE(ABORT, 'resources identity is append-only evidence: record a correction instead'); END;
CREATE TRIGGER resources_no_delete BEFORE DELETE ON resources
BEGIN SELECT RAISE(ABORT, 'resources is append-only evidence: record a correction instead'); END;

CREATE TABLE reports (
  id TEXT PRIMARY KEY,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  original_url TEXT NOT NULL,
  source_type TEXT NOT NULL,
  reporter_ref TEXT,
  category TEXT,
  note TEXT,
  received_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX reports_resource ON reports(resource_id);
${appendOnly('reports')}

CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
${appendOnly('blobs')}

CREATE TABLE captures (
  id TEXT PRIMARY KEY,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  operator TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('complete', 'partial', 'failed')),
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  manifest_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  record TEXT NOT NULL,
  origin TEXT
) STRICT;
CREATE INDEX captures_resource ON captures(resource_id, started_at);
${appendOnly('captures')}

CREATE TABLE artifacts (
  capture_id TEXT NOT NULL REFERENCES captures(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  media_type TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  segment TEXT,
  PRIMARY KEY (capture_id, name)
) STRICT;
CREATE INDEX artifacts_sha256 ON artifacts(sha256);
${appendOnly('artifacts')}

-- A timestamp granted after the capture (retry of a pending one) is a new row, never an edit.
CREATE TABLE capture_timestamps (
  capture_id TEXT NOT NULL REFERENCES captures(id),
  at TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('granted', 'pending', 'none')),
  tsa TEXT,
  gen_time TEXT,
  token_sha256 TEXT REFERENCES blobs(sha256),
  PRIMARY KEY (capture_id, at, status)
) STRICT;
${appendOnly('capture_timestamps')}

CREATE TABLE legal_bases (
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (id, version)
) STRICT;
${appendOnly('legal_bases')}

CREATE TABLE decisions (
  id TEXT PRIMARY KEY,
  resource_id TEXT NOT NULL REFERENCES resources(id),
  reviewer TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'needs_recapture')),
  signed_at TEXT NOT NULL,
  supersedes TEXT REFERENCES decisions(id),
  record TEXT NOT NULL
) STRICT;
CREATE INDEX decisions_resource ON decisions(resource_id, signed_at);
${appendOnly('decisions')}

CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_subject ON audit(subject, seq);
${appendOnly('audit')}

CREATE VIRTUAL TABLE text_index USING fts5(
  title, body,
  resource_id UNINDEXED, capture_id UNINDEXED, kind UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
);
`,
};
