import type { Migration } from '../migrate';

/**
 * The signed heads of the custody log, for a database a team server shares: there the head cannot
 * live in one data dir's `logs/` folder, because every server process appends to the same chain. One
 * row per head the log ever had (the newest is the head, all rows are the history), written in the
 * same write transaction as the audit rows it signs. Append-only, like the log itself. A workstation
 * on SQLite keeps its head in `logs/audit-head.json` and leaves this table empty.
 */
const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, '${table} is append-only evidence: record a correction instead'); END;`;

export const migration0190: Migration = {
  version: 190,
  name: 'audit-heads',
  sql: `
CREATE TABLE audit_heads (
  seq INTEGER NOT NULL PRIMARY KEY,
  hash TEXT NOT NULL,
  at TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL
) STRICT;
${appendOnly('audit_heads')}
`,
};
