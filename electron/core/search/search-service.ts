import type { SearchHit } from '@shared/contract/methods/workspace';
import type { ReadConn } from '../db/database';
import { searchTextIndex } from '../db/repositories/search-repo';

// Private-use characters mark the matches, so the UI can highlight them without ever parsing HTML.
const MARK_START = '\uE000';
const MARK_END = '\uE001';

/** Full-text search over captured titles and text, report notes and reviewer notes (FTS5, unicode61). */
export function searchText(conn: ReadConn, text: string, limit: number): Promise<SearchHit[]> {
  return searchTextIndex(conn, { text, limit, marks: { start: MARK_START, end: MARK_END } });
}
