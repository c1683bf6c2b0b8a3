import type { Migration } from '../migrate';

/**
 * RFC 3161 tokens over the head of the custody log (DESIGN §5: taken at every export and at least
 * daily), each with the TimeStampReq that was sent (kept so a later verifier can recheck the nonce),
 * and the TimeStampReq of every capture token. Append-only: a token is evidence of when the log
 * held these rows, so it is never replaced; a newer token is a new row.
 */
export const migration0060: Migration = {
  version: 60,
  name: 'time-stamps',
  sql: `
CREATE TABLE audit_head_timestamps (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  head_seq INTEGER NOT NULL CHECK (head_seq >= 1),
  head_hash TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('export', 'daily', 'manual')),
  tsa TEXT NOT NULL,
  gen_time TEXT NOT NULL,
  serial_hex TEXT NOT NULL,
  policy TEXT NOT NULL,
  tsa_name TEXT,
  statement_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  token_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  query_sha256 TEXT NOT NULL REFERENCES blobs(sha256)
) STRICT;
CREATE INDEX audit_head_timestamps_by_seq ON audit_head_timestamps (head_seq);
CREATE TRIGGER audit_head_timestamps_no_update BEFORE UPDATE ON audit_head_timestamps
BEGIN SELECT RAISE(ABORT, 'audit_head_timestamps is append-only custody data'); END;
CREATE TRIGGER audit_head_timestamps_no_delete BEFORE DELETE ON audit_head_timestamps
BEGIN SELECT RAISE(ABORT, 'audit_head_timestamps is append-only custody data'); END;

CREATE TABLE timestamp_queries (
  token_sha256 TEXT PRIMARY KEY REFERENCES blobs(sha256),
  query_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  at TEXT NOT NULL
) STRICT;
CREATE TRIGGER timestamp_queries_no_update BEFORE UPDATE ON timestamp_queries
BEGIN SELECT RAISE(ABORT, 'timestamp_queries is append-only custody data'); END;
CREATE TRIGGER timestamp_queries_no_delete BEFORE DELETE ON timestamp_queries
BEGIN SELECT RAISE(ABORT, 'timestamp_queries is append-only custody data'); END;
`,
};
