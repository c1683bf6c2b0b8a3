import { AppError } from '@shared/errors/app-error';
import type { ReadConn, SqlValue } from '../db/database';
import { keyColumns, ROW_KEY, rowMatching, type CopiedRow } from '../db/repositories/migration-copy-repo';

/**
 * A copied row the server already holds (a user of the same name, a shipped legal basis, a row of a
 * resumed migration) is compared, column by column, with the server's row: equal, it is counted as
 * already there; different, the migration is refused naming the table, the row's key and the columns.
 */

/**
 * Columns whose difference is expected and harmless, per table, with why. Everything else must match.
 * `rowid` of a reference table is the server's own storage position of a row it had first.
 */
const BENIGN: Readonly<Record<string, readonly string[]>> = {
  // Content-addressed: the same hash is the same bytes; created_at is when this store first kept them.
  blobs: ['rowid', 'created_at'],
  // The shipped catalogue is loaded by `system` at each install's first open: the same (id, version)
  // with the same record differs only in the moment it was loaded.
  legal_bases: ['rowid', 'created_at'],
  // Likewise for shipped templates: sha256 and record are compared, only the load time may differ.
  notice_templates: ['rowid', 'created_at'],
  users: ['rowid'],
  recipients: ['rowid'],
  hash_lists: ['rowid'],
  hash_list_entries: ['rowid'],
  // Shipped lexicons too are imported at each install's first open: body and sha256 are compared.
  lexicon_versions: ['rowid', 'imported_at'],
  indicators: ['rowid'],
};

/** Other unique keys a copied row can collide on, tried after the primary key to find the server's row. */
const ALTERNATE_KEYS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  users: [['name']],
  recipients: [['name']],
  hash_lists: [['name', 'version']],
  indicators: [['type', 'value']],
};

const sameValue = (a: SqlValue | undefined, b: SqlValue | undefined): boolean =>
  (a ?? null) === null ? (b ?? null) === null : (b ?? null) !== null && String(a) === String(b);

const keyLabel = (row: CopiedRow, key: readonly string[]): string =>
  key.map((c) => `${c}=${String(row[c] ?? null)}`).join(', ');

export type TableComparer = Readonly<{
  /** The server's row this copied row is, by its primary key or another unique key, or undefined. */
  find: (conn: ReadConn, row: CopiedRow) => Promise<{ row: CopiedRow; key: readonly string[] } | undefined>;
  /** Throws naming the row when the server's row differs in a column that is not benign. */
  assertSame: (conn: ReadConn, row: CopiedRow) => Promise<void>;
  /** True for a table without any key (the text index): rows are matched on every column. */
  keyless: boolean;
}>;

/** The comparer for one table, given the columns both sides store. */
export async function tableComparer(
  conn: ReadConn,
  table: string,
  columns: readonly string[],
): Promise<TableComparer> {
  const primary = await keyColumns(conn, table);
  const keys = [primary, ...(ALTERNATE_KEYS[table] ?? [])].filter((k) => k.length > 0);
  const benign = new Set([ROW_KEY, ...(BENIGN[table] ?? [])]);
  const compared = columns.filter((c) => !benign.has(c));
  const lookups = keys.length > 0 ? keys : [compared];

  const find: TableComparer['find'] = async (c, row) => {
    for (const key of lookups) {
      const found = await rowMatching(
        c,
        table,
        key,
        key.map((k) => row[k] ?? null),
      );
      if (found !== undefined) return { row: found, key };
    }
    return undefined;
  };

  return {
    keyless: keys.length === 0,
    find,
    async assertSame(c, row) {
      const found = await find(c, row);
      const label = keyLabel(row, found?.key ?? lookups[0] ?? []);
      if (found === undefined)
        throw new AppError(
          'evidence.integrity-mismatch',
          `migration refused: ${table} (${label}) collides with a different row already on this server`,
        );
      const differing = compared.filter((col) => !sameValue(row[col], found.row[col]));
      if (differing.length > 0)
        throw new AppError(
          'evidence.integrity-mismatch',
          `migration refused: ${table} (${label}) is already on this server with a different ${differing.join(', ')}`,
        );
    },
  };
}
