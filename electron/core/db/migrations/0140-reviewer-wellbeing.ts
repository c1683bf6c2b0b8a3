import type { Migration } from '../migrate';

const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;`;

/**
 * Reviewer wellbeing and the restricted vault.
 *
 * A reveal of a blurred image is two append-only rows: `media_reveals` when it starts and one
 * `media_reveal_ends` row when it ends (hidden, screen left, or closed at the user's next sign-in).
 * The custody log has the same two events; these tables exist so the daily exposure sums are an
 * indexed query instead of a scan of every custody row's JSON details. The end row's PRIMARY KEY
 * makes a second end of the same reveal impossible.
 *
 * `csam_authorisations`: who may read the restricted vault, as grant and withdrawal rows (the last
 * row of a user wins). It is an authorisation held beside the user's role, not a fourth role in the
 * `users.role` CHECK: an authorised reviewer still reviews, and the users table keeps its shape.
 */
export const migration0140: Migration = {
  version: 140,
  name: 'reviewer-wellbeing',
  sql: `
CREATE TABLE media_reveals (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  resource_id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  started_at TEXT NOT NULL,
  day TEXT NOT NULL
) STRICT;
CREATE INDEX media_reveals_user_day ON media_reveals (user_id, day);
${appendOnly('media_reveals')}

CREATE TABLE media_reveal_ends (
  reveal_id TEXT PRIMARY KEY REFERENCES media_reveals(id),
  ended_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
  how TEXT NOT NULL CHECK (how IN ('hidden', 'left', 'next-sign-in'))
) STRICT;
${appendOnly('media_reveal_ends')}

CREATE TABLE csam_authorisations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id TEXT NOT NULL REFERENCES users(id),
  authorised INTEGER NOT NULL CHECK (authorised IN (0, 1)),
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;
CREATE INDEX csam_authorisations_user ON csam_authorisations (user_id, seq);
${appendOnly('csam_authorisations')}
`,
};
