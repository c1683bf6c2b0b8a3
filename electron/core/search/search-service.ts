import type { SearchHit } from '@shared/contract/methods/workspace';
import type { ReadConn } from '../db/database';

// Private-use characters mark the matches, so the UI can highlight them without ever parsing HTML.
const MARK_START = '\uE000';
const MARK_END = '\uE001';

/**
 * Turns what a person typed into an FTS5 query that can't be misread as query syntax: every word is
 * a quoted phrase (quotes doubled), all words must occur. Returns null when nothing searchable is left.
 */
export function ftsQuery(text: string): string | null {
  const words = text
    .normalize('NFC')
    .split(/[\s\u00a0]+/u)
    .map((w) => w.replace(/\p{Cc}/gu, '').trim())
    .filter((w) => w !== '')
    .slice(0, 20);
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' ');
}

type Row = { resource_id: string; capture_id: string | null; url: string; title: string; snippet: string };

/** Full-text search over captured titles and text, report notes and reviewer notes (FTS5, unicode61). */
export async function searchText(conn: ReadConn, text: string, limit: number): Promise<SearchHit[]> {
  const query = ftsQuery(text);
  if (query === null) return [];
  const rows = await conn.all<Row>(
    `SELECT t.resource_id AS resource_id, t.capture_id AS capture_id, r.display_url AS url,
            coalesce(nullif(t.title, ''), r.last_title, '') AS title,
            snippet(text_index, 1, ?, ?, '…', 16) AS snippet
     FROM text_index t JOIN resources r ON r.id = t.resource_id
     WHERE text_index MATCH ?
     ORDER BY bm25(text_index)
     LIMIT ?`,
    [MARK_START, MARK_END, query, limit],
  );
  return rows.map((r) => ({
    resourceId: r.resource_id,
    captureId: r.capture_id,
    url: r.url,
    title: r.title,
    snippet: r.snippet,
  }));
}
