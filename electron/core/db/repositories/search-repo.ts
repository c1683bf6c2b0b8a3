import type { SearchHit } from '@shared/contract/methods/workspace';
import type { ReadConn, WriteConn } from '../database';
import { sqliteDialect } from '../dialect';

/**
 * The full-text index (`text_index`: FTS5 on SQLite, a GIN-indexed table on PostgreSQL): what people
 * wrote and what pages showed, per resource.
 */

export type TextIndexEntry = Readonly<{
  /** What a hit shows as its title (a page title, the URL as reported…); may be empty. */
  title: string;
  body: string;
  resourceId: string;
  captureId: string | null;
  kind: 'capture' | 'report' | 'decision';
}>;

export async function indexText(tx: WriteConn, entry: TextIndexEntry): Promise<void> {
  await tx.run('INSERT INTO text_index (title, body, resource_id, capture_id, kind) VALUES (?, ?, ?, ?, ?)', [
    entry.title,
    entry.body,
    entry.resourceId,
    entry.captureId,
    entry.kind,
  ]);
}

/** Many entries with one statement per few hundred (a bulk import's reports). */
export async function indexTexts(tx: WriteConn, entries: readonly TextIndexEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) {
    const part = entries.slice(i, i + 500);
    await tx.run(
      `INSERT INTO text_index (title, body, resource_id, capture_id, kind) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      part.flatMap((e) => [e.title, e.body, e.resourceId, e.captureId, e.kind]),
    );
  }
}

/** The words of what a person typed (at most 20, control characters dropped), all of which must occur. */
export function searchWords(text: string): string[] {
  return text
    .normalize('NFC')
    .split(/[\s\u00a0]+/u)
    .map((w) => w.replace(/\p{Cc}/gu, '').trim())
    .filter((w) => w !== '')
    .slice(0, 20);
}

/**
 * Turns what a person typed into the FTS5 query SQLite runs, one that can't be misread as query
 * syntax: every word is a quoted phrase (quotes doubled). Returns null when nothing searchable is left.
 */
export function ftsQuery(text: string): string | null {
  const words = searchWords(text);
  return words.length === 0 ? null : sqliteDialect.textSearch.query(words);
}

export type TextSearch = Readonly<{
  text: string;
  limit: number;
  /** Put around every match in a snippet. */
  marks: Readonly<{ start: string; end: string }>;
}>;

type HitRow = { resource_id: string; capture_id: string | null; url: string; title: string; snippet: string };

/** The best-ranked hits (bm25 on SQLite, ts_rank on PostgreSQL) for the words of `text`, with snippets. */
export async function searchTextIndex(conn: ReadConn, search: TextSearch): Promise<SearchHit[]> {
  const words = searchWords(search.text);
  if (words.length === 0) return [];
  const fts = conn.dialect.textSearch;
  const rows = await conn.all<HitRow>(
    `SELECT t.resource_id AS resource_id, t.capture_id AS capture_id, r.display_url AS url,
            coalesce(nullif(t.title, ''), r.last_title, '') AS title,
            ${fts.snippet} AS snippet
     FROM ${fts.from} JOIN resources r ON r.id = t.resource_id
     WHERE ${fts.match}
     ORDER BY ${fts.rank}
     LIMIT ?`,
    [search.marks.start, search.marks.end, fts.query(words), search.limit],
  );
  return rows.map((r) => ({
    resourceId: r.resource_id,
    captureId: r.capture_id,
    url: r.url,
    title: r.title,
    snippet: r.snippet,
  }));
}
