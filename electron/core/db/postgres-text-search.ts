/**
 * Full-text search on PostgreSQL, made to find what SQLite's FTS5 table (`unicode61 remove_diacritics
 * 2`) finds: the same words in the same text, case and diacritics folded. Both halves live here so
 * that the index (the DDL) and the queries (the dialect) cut text into words the same way.
 *
 * unicode61 splits at every character that is not a letter or a digit; PostgreSQL's parser instead keeps
 * `example.com`, `user@mail.org` or `bitcoin-wallet` as single tokens, so "example" would not find
 * "example.com". The indexed text therefore has those separators turned into spaces first (the same
 * class cuts a person's words into tokens below), and a configuration copied from `simple` (no
 * stemming, no stop words) drops diacritics through the `unaccent` dictionary.
 */

/** Punctuation, symbols and spaces: ASCII, Latin-1, general punctuation, CJK and Arabic marks. */
const SEPARATORS =
  '[\\u0001-\\u002f\\u003a-\\u0040\\u005b-\\u0060\\u007b-\\u00bf\\u00d7\\u00f7\\u2000-\\u206f\\u3000-\\u303f\\u060c\\u061b\\u061f\\u066a-\\u066d\\u06d4\\ufe30-\\ufe4f\\uff01-\\uff0f]+';
const SEPARATOR_PATTERN = new RegExp(SEPARATORS, 'gu');

/** The text search configuration every vector and query of the index uses. */
export const TEXT_CONFIG = 'vigil_text';

/** The SQL function giving a row's words as a tsvector; the GIN index is built on the same call. */
export const wordsOf = (table: string, columns: readonly string[], alias: string): string =>
  `${table}_words(${columns.map((c) => `${alias}.${c}`).join(', ')})`;

/**
 * The objects that make an FTS5 table searchable on PostgreSQL: the configuration, the words function
 * (IMMUTABLE, so an index may be built on it) and a GIN index on it, so a search reads the index
 * instead of parsing every row's text.
 */
export function textSearchDdl(table: string, columns: readonly string[]): string {
  const args = columns.map((c) => `${c} TEXT`).join(', ');
  const text = columns.map((c) => `coalesce(${c}, '')`).join(" || ' ' || ");
  return `CREATE EXTENSION IF NOT EXISTS unaccent;
DO $vigil$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '${TEXT_CONFIG}') THEN
    CREATE TEXT SEARCH CONFIGURATION ${TEXT_CONFIG} (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION ${TEXT_CONFIG}
      ALTER MAPPING FOR word, numword, hword, hword_part, numhword, hword_numpart WITH unaccent, simple;
  END IF;
END $vigil$;
CREATE FUNCTION ${table}_words(${args}) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $vigil$
  SELECT to_tsvector('${TEXT_CONFIG}', regexp_replace(${text}, '${SEPARATORS}', ' ', 'g'))
$vigil$;
CREATE INDEX ${table}_words_index ON ${table} USING gin (${table}_words(${columns.join(', ')}));`;
}

/** A tsquery operand as text: quoted, so a person's word is never read as an operator. */
const operand = (token: string): string => `'${token.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * A tsquery (for `to_tsquery(TEXT_CONFIG, ?)`) that holds all `words`: each word cut into tokens as the
 * index cuts text (its tokens adjacent, as an FTS5 phrase), the last token of the last word a prefix
 * when `prefixLast`. A word with no letters or digits left is dropped, as FTS5 drops a phrase without
 * tokens; with none left at all, nothing matches, as in FTS5.
 */
export function tsQueryOf(words: readonly string[], prefixLast: boolean): string {
  const phrases = words
    .map((w) => w.replace(SEPARATOR_PATTERN, ' ').trim())
    .filter((w) => w !== '')
    .map((w) => w.split(' ').map(operand));
  // A lone separator parses to no lexeme: PostgreSQL then matches nothing (with a notice).
  if (phrases.length === 0) return "'-'";
  const last = phrases[phrases.length - 1] ?? [];
  if (prefixLast && last.length > 0) last[last.length - 1] = `${last[last.length - 1] ?? ''}:*`;
  return phrases.map((tokens) => `(${tokens.join(' <-> ')})`).join(' & ');
}
