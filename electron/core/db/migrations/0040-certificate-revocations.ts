import type { Migration } from '../migrate';

/**
 * Certificates the local CA has revoked (RFC 5280 §5): the CRL in `keys/` is rebuilt from these rows,
 * and a verifier holding the CRL can tell a signature made after the revocation. Append-only: a
 * revocation is never withdrawn (RFC 5280 allows un-revoking only for certificateHold, not used here);
 * a re-enabled user gets a new certificate with a new serial.
 */
export const migration0040: Migration = {
  version: 40,
  name: 'certificate-revocations',
  sql: `
CREATE TABLE certificate_revocations (
  serial_hex TEXT PRIMARY KEY,
  certificate_sha256 TEXT NOT NULL,
  user_id TEXT REFERENCES users(id),
  reason TEXT NOT NULL CHECK (reason IN ('superseded', 'cessationOfOperation', 'keyCompromise')),
  revoked_at TEXT NOT NULL,
  revoked_by TEXT NOT NULL
) STRICT;
CREATE TRIGGER certificate_revocations_no_update BEFORE UPDATE ON certificate_revocations
BEGIN SELECT RAISE(ABORT, 'certificate_revocations is append-only custody data'); END;
CREATE TRIGGER certificate_revocations_no_delete BEFORE DELETE ON certificate_revocations
BEGIN SELECT RAISE(ABORT, 'certificate_revocations is append-only custody data'); END;
`,
};
