import type { Migration } from '../migrate';

/**
 * Rendered review packets (DESIGN §7): which PDF blob was made for which resource, from which decision
 * (null for a draft), in which language and whether the reviewer signed it. The PDF itself is a blob;
 * this row lets the court bundle and the UI find the newest packet of a resource. Append-only like every
 * evidence table: a new rendering is a new row.
 */
export const migration0030: Migration = {
  version: 30,
  name: 'review-packets',
  sql: `
CREATE TABLE packets (
  sha256 TEXT NOT NULL REFERENCES blobs(sha256),
  resource_id TEXT NOT NULL REFERENCES resources(id),
  decision_id TEXT REFERENCES decisions(id),
  language TEXT NOT NULL CHECK (language IN ('en', 'ar', 'ru')),
  signed_by TEXT,
  pages INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  rendered_at TEXT NOT NULL,
  rendered_by TEXT NOT NULL,
  PRIMARY KEY (sha256, rendered_at)
) STRICT;
CREATE INDEX packets_resource ON packets(resource_id, rendered_at);
CREATE TRIGGER packets_no_update BEFORE UPDATE ON packets
BEGIN SELECT RAISE(ABORT, 'packets is append-only evidence: record a correction instead'); END;
CREATE TRIGGER packets_no_delete BEFORE DELETE ON packets
BEGIN SELECT RAISE(ABORT, 'packets is append-only evidence: record a correction instead'); END;
`,
};
