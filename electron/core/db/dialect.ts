import { postgresMigrationSql } from './postgres-ddl';
import { TEXT_CONFIG, tsQueryOf, wordsOf } from './postgres-text-search';

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
  /**
   * A text sort key compared byte by byte, as SQLite compares text: names sort the same on a server
   * whose default collation is a language's (where "alice" would come before "Zoe").
   */
  byteOrder: (expr: string) => string;
  /** The larger of two non-null values (SQLite's two-argument `max`). */
  larger: (a: string, b: string) => string;
  /** A JSON object column's member `key` as text (null when absent); `key` is a fixed name, never input. */
  jsonText: (column: string, key: string) => string;
  /** An ISO-8601 instant (text) as whole milliseconds since the Unix epoch, an integer. */
  epochMs: (iso: string) => string;
  /** The group's values of `expr` as one comma-separated text (in no particular order). */
  joinedText: (expr: string) => string;
  /**
   * Ranked full-text search over `text_index` (aliased `t`) as the parts of one SELECT. `snippet` takes
   * two placeholders (the marks put around matches), then `from` and `match` together take one, the
   * bound `query` of the words (each word all of its tokens, adjacent; all words must occur). Ordering
   * by `rank` ascending puts the best hits first.
   */
  textSearch: Readonly<{
    from: string;
    match: string;
    rank: string;
    snippet: string;
    query: (words: readonly string[]) => string;
  }>;
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
  // SQLite's default collation, BINARY, already compares bytes.
  byteOrder: (expr) => expr,
  larger: (a, b) => `max(${a}, ${b})`,
  jsonText: (column, key) => `json_extract(${column}, '$.${key}')`,
  // julianday is exact to about 0.05 ms at today's dates, so rounding recovers the stored millisecond.
  epochMs: (iso) => `CAST(round((julianday(${iso}) - 2440587.5) * 86400000.0) AS INTEGER)`,
  joinedText: (expr) => `group_concat(${expr}, ',')`,
  // Every word a quoted FTS5 phrase (quotes doubled), so nothing a person types is query syntax.
  textSearch: {
    from: 'text_index t',
    match: 'text_index MATCH ?',
    rank: 'bm25(text_index)',
    snippet: "snippet(text_index, 1, ?, ?, '…', 16)",
    query: (words) => words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' '),
  },
};

/** The words of a `text_index` row (alias `t`), as its GIN index holds them. */
const TEXT_INDEX_WORDS = wordsOf('text_index', ['title', 'body'], 't');

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
  // No FTS5: the same words through a tsquery, answered by the GIN index of postgres-text-search.ts.
  textIndexMatch: {
    clause: `SELECT t.resource_id FROM text_index t WHERE ${TEXT_INDEX_WORDS} @@ to_tsquery('${TEXT_CONFIG}', ?)`,
    query: (words) => tsQueryOf(words, true),
  },
  rowKey: (alias) => `${alias}.id`,
  withoutIndexWalk: (order) => order,
  byteOrder: (expr) => `${expr} COLLATE "C"`,
  larger: (a, b) => `GREATEST(${a}, ${b})`,
  jsonText: (column, key) => `(${column}::jsonb ->> '${key}')`,
  epochMs: (iso) => `CAST(round(extract(epoch FROM CAST(${iso} AS timestamptz)) * 1000) AS BIGINT)`,
  joinedText: (expr) => `string_agg(CAST(${expr} AS TEXT), ',')`,
  // The words' tsquery is computed once in FROM; the GIN index on the words function answers `match`.
  textSearch: {
    from: `text_index t CROSS JOIN to_tsquery('${TEXT_CONFIG}', ?) AS q(query)`,
    match: `${TEXT_INDEX_WORDS} @@ q.query`,
    rank: `-ts_rank(${TEXT_INDEX_WORDS}, q.query)`,
    snippet: `ts_headline('${TEXT_CONFIG}', t.body, q.query, 'StartSel="' || ? || '", StopSel="' || ? || '", MaxFragments=1, MaxWords=16, MinWords=8, FragmentDelimiter="…"')`,
    query: (words) => tsQueryOf(words, false),
  },
};
