import type { Migration } from '../migrate';

const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;`;

/**
 * Indicators found in captures (wallets, phones, handles, emails, domains) and coded-term hits.
 * Every row is derived from a sealed capture's artifacts by a versioned extractor, and never
 * overwritten: a newer extractor (or lexicon) version adds a new `extraction_runs` row with its own
 * occurrences and hits; reads use the newest run of each capture. `indicators` holds each
 * (type, normalised value) once. Lexicons are kept as versioned rows (an import adds a version; no
 * row is edited), so each hit cites the exact lexicon version it matched.
 */
export const migration0170: Migration = {
  version: 170,
  name: 'indicators',
  sql: `
CREATE TABLE indicators (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  UNIQUE (type, value)
) STRICT;
${appendOnly('indicators')}

CREATE TABLE extraction_runs (
  id INTEGER PRIMARY KEY,
  capture_id TEXT NOT NULL REFERENCES captures(id),
  resource_id TEXT NOT NULL REFERENCES resources(id),
  extractor_version INTEGER NOT NULL,
  lexicons TEXT NOT NULL,
  at TEXT NOT NULL,
  captured_at TEXT NOT NULL
) STRICT;
CREATE INDEX extraction_runs_capture ON extraction_runs (capture_id, id);
CREATE INDEX extraction_runs_resource ON extraction_runs (resource_id, id);
${appendOnly('extraction_runs')}

CREATE TABLE indicator_occurrences (
  run_id INTEGER NOT NULL REFERENCES extraction_runs(id),
  indicator_id INTEGER NOT NULL REFERENCES indicators(id),
  artifact TEXT NOT NULL CHECK (artifact IN ('text', 'dom', 'url', 'link')),
  artifact_name TEXT NOT NULL,
  offset INTEGER NOT NULL CHECK (offset >= 0),
  length INTEGER NOT NULL CHECK (length > 0),
  raw TEXT NOT NULL,
  box_x REAL,
  box_y REAL,
  box_w REAL,
  box_h REAL,
  extractor_version INTEGER NOT NULL
) STRICT;
CREATE INDEX indicator_occurrences_indicator ON indicator_occurrences (indicator_id, run_id);
CREATE INDEX indicator_occurrences_run ON indicator_occurrences (run_id);
${appendOnly('indicator_occurrences')}

CREATE TABLE lexicon_versions (
  lexicon_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  language TEXT NOT NULL,
  category TEXT NOT NULL,
  source TEXT NOT NULL,
  body TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  imported_by TEXT NOT NULL,
  PRIMARY KEY (lexicon_id, version)
) STRICT;
${appendOnly('lexicon_versions')}

CREATE TABLE lexicon_hits (
  run_id INTEGER NOT NULL REFERENCES extraction_runs(id),
  lexicon_id TEXT NOT NULL,
  lexicon_version INTEGER NOT NULL,
  term_id TEXT NOT NULL,
  term TEXT NOT NULL,
  category TEXT NOT NULL,
  language TEXT NOT NULL,
  offset INTEGER NOT NULL CHECK (offset >= 0),
  length INTEGER NOT NULL CHECK (length > 0),
  box_x REAL,
  box_y REAL,
  box_w REAL,
  box_h REAL
) STRICT;
CREATE INDEX lexicon_hits_run ON lexicon_hits (run_id);
${appendOnly('lexicon_hits')}
`,
};
