import type { Migration } from '../migrate';

/**
 * Failed sign-ins per user, for the backoff and the lockout (`vigil user unlock`). This is state,
 * not evidence: every failure, lock and unlock is also a custody event, and a row is removed by a
 * successful sign-in or an unlock.
 */
export const migration0090: Migration = {
  version: 90,
  name: 'sign-in-lockouts',
  sql: `
CREATE TABLE sign_in_lockouts (
  user_id TEXT PRIMARY KEY REFERENCES users(id),
  failures INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at TEXT NOT NULL,
  locked_at TEXT
) STRICT;
`,
};
