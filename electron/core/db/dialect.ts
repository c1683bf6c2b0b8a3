import { postgresMigrationSql } from './postgres-ddl';

/**
 * The few SQL constructs in which SQLite and PostgreSQL differ, as one object per engine. Migrations and
 * repositories stay one implementation each: they ask the connection's dialect for these fragments and
 * write everything else in the SQL both engines share. Every fragment takes `?` placeholders; the
 * PostgreSQL connection numbers them.
 */
export type DialectName = 'sqlite' | 'postgres';

export type Dialect = Readonly<{
  name: DialectName;
  /** A shipped migration's text (written for SQLite, which its checksum covers) as this engine runs it. */
  migrationSql: (sqliteSql: string) => string;
  /** Lists the table's name when it exists; one parameter, the table name. */
  tableExistsSql: string;
  /** Where an engine keeps a schema version outside the migrations table (SQLite's user_version). */
  schemaVersionPragma: boolean;
  /** `INSERT OR IGNORE INTO t …` in this engine, from the plain `INSERT INTO t (cols) VALUES (…)`. */
  insertIgnoring: (insert: string) => string;
  /** Appended to an INSERT so that `run` reports the new row's key as `lastID`. */
  returningKey: (column: string) => string;
  /** A JSON array column's elements as a row source whose `value` column is each element as text. */
  jsonArrayElements: (column: string, alias: string) => string;
  /** True (non-zero) when `needle` occurs in `haystack`; one placeholder for the needle. */
  containsText: (haystack: string) => string;
  /**
   * The resource ids whose indexed text holds all `words` (the last as a prefix): the clause with one
   * placeholder, and the bound query. Users' words are always quoted, never operators.
   */
  textIndexMatch: Readonly<{ clause: string; query: (words: readonly string[]) => string }>;
  /** A key that orders like the table's storage order, for paging on the index alone. */
  rowKey: (alias: string) => string;
  /** The ORDER BY expression, kept from being walked by its index where the engine needs telling. */
  withoutIndexWalk: (order: string) => string;
}>;

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  migrationSql: (sql) => sql,
  tableExistsSql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
  schemaVersionPragma: true,
  insertIgnoring: (insert) => insert.replace(/^\s*INSERT INTO/i, 'INSERT OR IGNORE INTO'),
  returningKey: () => '',
  jsonArrayElements: (column, alias) => `json_each(${column}) ${alias}`,
  containsText: (haystack) => `instr(${haystack}, ?) > 0`,
  textIndexMatch: {
    clause: 'SELECT resource_id FROM text_index WHERE text_index MATCH ?',
    query: (words) =>
      words.map((w, i) => `"${w.replace(/"/g, '""')}"${i === words.length - 1 ? '*' : ''}`).join(' '),
  },
  rowKey: (alias) => `${alias}.rowid`,
  // SQLite's unary + on the first sort term keeps the planner off the index walk.
  withoutIndexWalk: (order) => `+${order}`,
};

export const postgresDialect: Dialect = {
  name: 'postgres',
  migrationSql: postgresMigrationSql,
  tableExistsSql:
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?',
  schemaVersionPragma: false,
  insertIgnoring: (insert) => `${insert} ON CONFLICT DO NOTHING`,
  returningKey: (column) => ` RETURNING ${column}`,
  jsonArrayElements: (column, alias) => `jsonb_array_elements_text(${column}::jsonb) AS ${alias}(value)`,
  containsText: (haystack) => `strpos(${haystack}, ?) > 0`,
  // No FTS5: the same words through a tsquery over the plain text_index table (no diacritics folding).
  textIndexMatch: {
    clause:
      "SELECT resource_id FROM text_index WHERE to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, '')) @@ to_tsquery('simple', ?)",
    query: (words) =>
      words
        .map(
          (w, i) => `'${w.replace(/'/g, "''").replace(/\\/g, '\\\\')}'${i === words.length - 1 ? ':*' : ''}`,
        )
        .join(' & '),
  },
  rowKey: (alias) => `${alias}.id`,
  withoutIndexWalk: (order) => order,
};
