import type { Migration } from '../migrate';

/**
 * Session tokens of `vigil login`: proof that the user named with `--as` typed their password, for a
 * bounded time (idle and absolute limits). Only the token's SHA-256 is kept, and the user's signing key
 * is kept wrapped under the token itself, so the database alone can neither act as the user nor sign.
 * Sessions are not evidence: they are ended and touched in place. Logins and logouts are custody events.
 */
export const migration0070: Migration = {
  version: 70,
  name: 'cli-sessions',
  sql: `
CREATE TABLE cli_sessions (
  token_sha256 TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL,
  idle_expires_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  key_enc TEXT NOT NULL,
  ended_at TEXT
) STRICT;
CREATE INDEX cli_sessions_user ON cli_sessions (user_id);
`,
};
