import type { Migration } from '../migrate';

/**
 * Foreign trust anchors and the origin of imported decisions.
 * - `trusted_cas`: the CAs of other units whose bundles an administrator allowed to be imported
 *   (`vigil trust add`). Append-only: withdrawing trust is a new row (`action = 'withdraw'`), the
 *   newest row of a fingerprint decides, and the history of who trusted whom stays.
 * - `decision_origins`: a decision imported from another unit, with the CA that certified its
 *   reviewer and the unit's name, so it is never taken for one of ours (block list, re-export).
 */
export const migration0050: Migration = {
  version: 50,
  name: 'trusted-cas',
  sql: `
CREATE TABLE trusted_cas (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  certificate_sha256 TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('trust', 'withdraw')),
  name TEXT NOT NULL,
  subject TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  at TEXT NOT NULL,
  actor TEXT NOT NULL
) STRICT;
CREATE INDEX trusted_cas_by_certificate ON trusted_cas (certificate_sha256, seq);
CREATE TRIGGER trusted_cas_no_update BEFORE UPDATE ON trusted_cas
BEGIN SELECT RAISE(ABORT, 'trusted_cas is append-only custody data'); END;
CREATE TRIGGER trusted_cas_no_delete BEFORE DELETE ON trusted_cas
BEGIN SELECT RAISE(ABORT, 'trusted_cas is append-only custody data'); END;
CREATE TABLE decision_origins (
  decision_id TEXT PRIMARY KEY REFERENCES decisions(id),
  ca_sha256 TEXT NOT NULL,
  unit TEXT NOT NULL,
  imported_at TEXT NOT NULL
) STRICT;
CREATE TRIGGER decision_origins_no_update BEFORE UPDATE ON decision_origins
BEGIN SELECT RAISE(ABORT, 'decision_origins is append-only custody data'); END;
CREATE TRIGGER decision_origins_no_delete BEFORE DELETE ON decision_origins
BEGIN SELECT RAISE(ABORT, 'decision_origins is append-only custody data'); END;
`,
};
