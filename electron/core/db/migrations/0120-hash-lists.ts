import type { Migration } from '../migrate';

/**
 * Known-hash lists and reviewers' assessments of media, all append-only evidence:
 * - `hash_lists`: one row per import (a list name, its source, a version unique per name, who
 *   imported which file when and how many entries it held). A new version is a new row; the
 *   matcher uses the newest version of each name, earlier ones stay for the record.
 * - `hash_list_entries`: the entries of one import, each with at least one of SHA-256, MD5 and PDQ
 *   (lowercase hex) and the label a match gives (by default `suspected_csam`).
 * - `media_assessments`: a reviewer's label for one media item, known by its hashes, so that the
 *   next reviewer meeting the same item (same SHA-256 or a PDQ match) sees the label, not the item.
 */
export const migration0120: Migration = {
  version: 120,
  name: 'hash-lists',
  sql: `
CREATE TABLE hash_lists (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  source TEXT NOT NULL,
  file_name TEXT NOT NULL,
  file_sha256 TEXT NOT NULL CHECK (length(file_sha256) = 64),
  entry_count INTEGER NOT NULL CHECK (entry_count >= 0),
  imported_by TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  UNIQUE (name, version)
) STRICT;
CREATE TABLE hash_list_entries (
  list_seq INTEGER NOT NULL REFERENCES hash_lists(seq),
  row_no INTEGER NOT NULL,
  sha256 TEXT CHECK (sha256 IS NULL OR length(sha256) = 64),
  md5 TEXT CHECK (md5 IS NULL OR length(md5) = 32),
  pdq TEXT CHECK (pdq IS NULL OR length(pdq) = 64),
  label TEXT NOT NULL,
  PRIMARY KEY (list_seq, row_no),
  CHECK (sha256 IS NOT NULL OR md5 IS NOT NULL OR pdq IS NOT NULL)
) STRICT;
CREATE INDEX hash_list_entries_by_sha256 ON hash_list_entries(sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX hash_list_entries_by_md5 ON hash_list_entries(md5) WHERE md5 IS NOT NULL;
CREATE TABLE media_assessments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  md5 TEXT CHECK (md5 IS NULL OR length(md5) = 32),
  pdq TEXT CHECK (pdq IS NULL OR length(pdq) = 64),
  label TEXT NOT NULL,
  capture_id TEXT,
  assessed_by TEXT NOT NULL,
  assessed_at TEXT NOT NULL
) STRICT;
CREATE INDEX media_assessments_by_sha256 ON media_assessments(sha256, seq);
CREATE TRIGGER hash_lists_no_update BEFORE UPDATE ON hash_lists
BEGIN SELECT RAISE(ABORT, 'hash_lists is append-only evidence: import a new version instead'); END;
CREATE TRIGGER hash_lists_no_delete BEFORE DELETE ON hash_lists
BEGIN SELECT RAISE(ABORT, 'hash_lists is append-only evidence: import a new version instead'); END;
CREATE TRIGGER hash_list_entries_no_update BEFORE UPDATE ON hash_list_entries
BEGIN SELECT RAISE(ABORT, 'hash_list_entries is append-only evidence: import a new version instead'); END;
CREATE TRIGGER hash_list_entries_no_delete BEFORE DELETE ON hash_list_entries
BEGIN SELECT RAISE(ABORT, 'hash_list_entries is append-only evidence: import a new version instead'); END;
CREATE TRIGGER media_assessments_no_update BEFORE UPDATE ON media_assessments
BEGIN SELECT RAISE(ABORT, 'media_assessments is append-only evidence: record a new assessment instead'); END;
CREATE TRIGGER media_assessments_no_delete BEFORE DELETE ON media_assessments
BEGIN SELECT RAISE(ABORT, 'media_assessments is append-only evidence: record a new assessment instead'); END;
`,
};
