import {
  CATEGORY_HINTS,
  CategoryHint,
  RESOURCE_STATES,
  type ResourceState,
  type ResourceSummary,
} from '@shared/domain/resources';
import { AWAITING_CAPTURE, INITIAL_STATE } from '@shared/domain/workflow';
import type { SqlValue, ReadConn, WriteConn } from '../database';
import { placeholders, valueRows } from './sql';

/** Resources: one row per normalised URL, with the counters and state the lists and dashboard show. */

type ResourceRow = {
  id: string;
  case_ref: string | null;
  url: string;
  display_url: string;
  host: string;
  state: ResourceState;
  categories: string;
  report_count: number;
  capture_count: number;
  last_captured_at: string | null;
  last_title: string | null;
  created_at: string;
  updated_at: string;
};

const SUMMARY_COLUMNS = `r.id, c.ref AS case_ref, r.url, r.display_url, r.host, r.state, r.categories, r.report_count,
  r.capture_count, r.last_captured_at, r.last_title, r.created_at, r.updated_at`;
const SUMMARY_FROM = 'resources r LEFT JOIN cases c ON c.id = r.case_id';

export function parseCategories(json: string): CategoryHint[] {
  const parsed = CategoryHint.array().safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : [];
}

const toSummary = (r: ResourceRow): ResourceSummary => ({
  id: r.id,
  caseRef: r.case_ref,
  url: r.url,
  displayUrl: r.display_url,
  host: r.host,
  state: r.state,
  categories: parseCategories(r.categories),
  reportCount: r.report_count,
  captureCount: r.capture_count,
  lastCapturedAt: r.last_captured_at,
  lastTitle: r.last_title,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export type ResourceKey = Readonly<{
  id: string;
  caseId: string | null;
  categories: CategoryHint[];
  state: ResourceState;
}>;

export async function findResourceByUrl(c: ReadConn, url: string): Promise<ResourceKey | null> {
  const row = await c.get<{ id: string; case_id: string | null; categories: string; state: ResourceState }>(
    'SELECT id, case_id, categories, state FROM resources WHERE url = ?',
    [url],
  );
  return row
    ? { id: row.id, caseId: row.case_id, categories: parseCategories(row.categories), state: row.state }
    : null;
}

/** Which of `urls` already are resources (for a preview, which must not write). */
export async function existingResourceIds(
  c: ReadConn,
  urls: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const unique = [...new Set(urls)];
  // SQLite's default limit on bound parameters is 32766; stay far below it.
  for (let i = 0; i < unique.length; i += 500) {
    const batch = unique.slice(i, i + 500);
    const rows = await c.all<{ id: string; url: string }>(
      `SELECT id, url FROM resources WHERE url IN (${placeholders(batch)})`,
      batch,
    );
    for (const row of rows) found.set(row.url, row.id);
  }
  return found;
}

export type NewResource = Readonly<{
  id: string;
  caseId: string | null;
  url: string;
  displayUrl: string;
  host: string;
  categories: readonly CategoryHint[];
  at: string;
}>;

/** A resource enters the workflow with its first report. */
export async function insertResource(tx: WriteConn, r: NewResource): Promise<void> {
  await tx.run(
    `INSERT INTO resources (id, case_id, url, display_url, host, state, categories, report_count, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
    [r.id, r.caseId, r.url, r.displayUrl, r.host, INITIAL_STATE, JSON.stringify(r.categories), r.at, r.at],
  );
}

/** The resources these URLs already are, by URL (a bulk import's batch, read under the write lock). */
export async function resourcesByUrls(
  c: ReadConn,
  urls: readonly string[],
): Promise<Map<string, ResourceKey>> {
  const found = new Map<string, ResourceKey>();
  const unique = [...new Set(urls)];
  for (let i = 0; i < unique.length; i += 500) {
    const part = unique.slice(i, i + 500);
    const rows = await c.all<{
      id: string;
      url: string;
      case_id: string | null;
      categories: string;
      state: ResourceState;
    }>(
      `SELECT id, url, case_id, categories, state FROM resources WHERE url IN (${part.map(() => '?').join(', ')})`,
      part,
    );
    for (const row of rows)
      found.set(row.url, {
        id: row.id,
        caseId: row.case_id,
        categories: parseCategories(row.categories),
        state: row.state,
      });
  }
  return found;
}

/** New resources of a batch, each with the number of the batch's reports that point at it. */
export async function insertResources(
  tx: WriteConn,
  rows: readonly (NewResource & Readonly<{ reportCount: number; updatedAt: string }>)[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const end = Math.min(rows.length, i + 500);
    // One flat parameter array, no array per row: a bulk import inserts tens of thousands.
    const params: (string | number | null)[] = [];
    for (let j = i; j < end; j += 1) {
      const r = rows[j];
      if (r === undefined) continue;
      params.push(
        r.id,
        r.caseId,
        r.url,
        r.displayUrl,
        r.host,
        INITIAL_STATE,
        JSON.stringify(r.categories),
        r.reportCount,
        r.at,
        r.updatedAt,
      );
    }
    await tx.run(
      `INSERT INTO resources (id, case_id, url, display_url, host, state, categories, report_count, created_at, updated_at)
       VALUES ${valueRows(end - i, 10)}`,
      params,
    );
  }
}

/** `addReportToResource` for many resources at once: `count` more reports each. */
export async function addReportsToResources(
  tx: WriteConn,
  updates: readonly Readonly<{
    id: string;
    count: number;
    categories: readonly CategoryHint[];
    caseId: string | null;
    at: string;
  }>[],
): Promise<void> {
  for (let i = 0; i < updates.length; i += 500) {
    const part = updates.slice(i, i + 500);
    await tx.run(
      `UPDATE resources SET report_count = report_count + v.n, categories = v.categories,
         case_id = coalesce(resources.case_id, v.case_id), updated_at = v.at
       FROM (SELECT column1 AS id, CAST(column2 AS INTEGER) AS n, column3 AS categories, column4 AS case_id, column5 AS at
             FROM (VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}) AS vals) AS v
       WHERE resources.id = v.id`,
      part.flatMap((u) => [u.id, u.count, JSON.stringify(u.categories), u.caseId, u.at]),
    );
  }
}

/** One more report points at the resource: count, category union, case if it had none. */
export async function addReportToResource(
  tx: WriteConn,
  id: string,
  update: Readonly<{ categories: readonly CategoryHint[]; caseId: string | null; at: string }>,
): Promise<void> {
  await tx.run(
    `UPDATE resources SET report_count = report_count + 1, categories = ?, case_id = coalesce(case_id, ?), updated_at = ?
     WHERE id = ?`,
    [JSON.stringify(update.categories), update.caseId, update.at, id],
  );
}

export async function getResourceSummary(c: ReadConn, id: string): Promise<ResourceSummary | null> {
  const row = await c.get<ResourceRow>(`SELECT ${SUMMARY_COLUMNS} FROM ${SUMMARY_FROM} WHERE r.id = ?`, [id]);
  return row ? toSummary(row) : null;
}

export type ResourceSort = 'updatedAt' | 'createdAt' | 'reportCount' | 'url';

export type ResourceQuery = Readonly<{
  state?: ResourceState;
  category?: CategoryHint;
  text?: string;
  sort: ResourceSort;
  direction: 'asc' | 'desc';
  offset: number;
  limit: number;
}>;

const SORT_COLUMN: Readonly<Record<ResourceSort, string>> = {
  updatedAt: 'r.updated_at',
  createdAt: 'r.created_at',
  reportCount: 'r.report_count',
  url: 'r.url',
};

const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/** The words of free text, for the text index (the dialect quotes them and makes the last a prefix). */
function textWords(text: string): string[] {
  return text
    .split(/[\s\p{P}\p{S}]+/u)
    .map((w) => w.trim())
    .filter((w) => w !== '');
}

/**
 * One page of resources, sorted and filtered in SQL. Ties are broken by id so that paging through a
 * list that is not changing never shows a row twice or skips one.
 */
export async function listResources(
  c: ReadConn,
  q: ResourceQuery,
): Promise<{ items: ResourceSummary[]; total: number }> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (q.state !== undefined) {
    where.push('r.state = ?');
    params.push(q.state);
  }
  if (q.category !== undefined) {
    // Categories are a JSON array of known words, so the quoted word can't match inside another one.
    where.push(c.dialect.containsText('r.categories'));
    params.push(`"${q.category}"`);
  }
  const text = q.text?.trim() ?? '';
  if (text !== '') {
    // The URL by substring (hosts, paths); everything else people wrote or pages showed by words, through
    // the full-text index (display URLs in Unicode, notes, page titles and text).
    const words = textWords(text);
    const clauses = ['r.id = ?', "r.url LIKE ? ESCAPE '\\'"];
    params.push(text, likePattern(text));
    if (words.length > 0) {
      clauses.push(`r.id IN (${c.dialect.textIndexMatch.clause})`);
      params.push(c.dialect.textIndexMatch.query(words));
    }
    where.push(`(${clauses.join(' OR ')})`);
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const total =
    (await c.get<{ n: number }>(`SELECT count(*) AS n FROM resources r ${filter}`, params))?.n ?? 0;
  const dir = q.direction === 'asc' ? 'ASC' : 'DESC';
  const order = q.sort === 'url' ? `r.url ${dir}` : `${SORT_COLUMN[q.sort]} ${dir}, r.id ${dir}`;
  // A filter on columns outside the indexes (text, categories) is cheaper as one sequential scan and a
  // top-N sort than as a walk along the sort index that fetches rows at random (measured: 40 vs 250 ms
  // on 50,000 rows); on SQLite a unary + keeps the planner from choosing the index walk.
  const innerOrder = text === '' && q.category === undefined ? order : c.dialect.withoutIndexWalk(order);
  const key = c.dialect.rowKey('r');
  // The page's rows are found on the index alone (an OFFSET skips index entries, not whole rows), and
  // only the rows of the page are then read in full.
  const rows = await c.all<ResourceRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM (SELECT ${key} AS rid FROM resources r ${filter} ORDER BY ${innerOrder} LIMIT ? OFFSET ?) page
     JOIN resources r ON ${key} = page.rid LEFT JOIN cases c ON c.id = r.case_id ORDER BY ${order}`,
    [...params, q.limit, q.offset],
  );
  return { items: rows.map(toSummary), total };
}

/** How many resources there are in each state (every state present, zero when none). */
export async function countByState(c: ReadConn): Promise<Record<ResourceState, number>> {
  const rows = await c.all<{ key: string; n: number }>(
    'SELECT state AS key, count(*) AS n FROM resources GROUP BY state',
  );
  return tally(RESOURCE_STATES, rows);
}

/** How many resources carry each category (a resource with two categories counts for both). */
export async function countByCategory(c: ReadConn): Promise<Record<CategoryHint, number>> {
  const rows = await c.all<{ key: string; n: number }>(
    `SELECT j.value AS key, count(*) AS n FROM resources r, ${c.dialect.jsonArrayElements('r.categories', 'j')} GROUP BY j.value`,
  );
  return tally(CATEGORY_HINTS, rows);
}

/** Counts per known key; a stored value outside `keys` is left out, a key without rows counts 0. */
function tally<K extends string>(
  keys: readonly K[],
  rows: readonly Readonly<{ key: string; n: number }>[],
): Record<K, number> {
  const counts = new Map(rows.map((r) => [r.key, r.n]));
  return Object.fromEntries(keys.map((k) => [k, counts.get(k) ?? 0])) as Record<K, number>;
}

export async function countInStates(c: ReadConn, states: readonly ResourceState[]): Promise<number> {
  if (states.length === 0) return 0;
  const row = await c.get<{ n: number }>(
    `SELECT count(*) AS n FROM resources WHERE state IN (${placeholders(states)})`,
    [...states],
  );
  return row?.n ?? 0;
}

/**
 * Ids of the resources in `states`, those in the first state of the list first, then the next…; within
 * a state the longest unchanged first.
 */
export async function resourceIdsInStates(c: ReadConn, states: readonly ResourceState[]): Promise<string[]> {
  if (states.length === 0) return [];
  const rank = states.map((_, i) => `WHEN ? THEN ${i}`).join(' ');
  const rows = await c.all<{ id: string }>(
    `SELECT id FROM resources WHERE state IN (${placeholders(states)})
     ORDER BY CASE state ${rank} END, updated_at, id`,
    [...states, ...states],
  );
  return rows.map((r) => r.id);
}

export type ResourceRef = Readonly<{ id: string; url: string; state: ResourceState; categories: string[] }>;

export async function getResourceRef(conn: ReadConn, id: string): Promise<ResourceRef | null> {
  const row = await conn.get<{ id: string; url: string; state: ResourceState; categories: string }>(
    'SELECT id, url, state, categories FROM resources WHERE id = ?',
    [id],
  );
  return row ? { ...row, categories: JSON.parse(row.categories) as string[] } : null;
}

export async function setResourceState(
  tx: WriteConn,
  id: string,
  state: ResourceState,
  at: string,
): Promise<void> {
  await tx.run('UPDATE resources SET state = ?, updated_at = ? WHERE id = ?', [state, at, id]);
}

export async function noteCapture(
  tx: WriteConn,
  resourceId: string,
  at: string,
  title: string | null,
): Promise<void> {
  await tx.run(
    'UPDATE resources SET capture_count = capture_count + 1, last_captured_at = ?, last_title = coalesce(?, last_title), updated_at = ? WHERE id = ?',
    [at, title, at, resourceId],
  );
}

/** Resources waiting for a capture (`vigil queue run`), oldest report first. */
export async function resourcesAwaitingCapture(conn: ReadConn): Promise<{ id: string; url: string }[]> {
  return conn.all<{ id: string; url: string }>(
    `SELECT id, url FROM resources WHERE state IN (${placeholders(AWAITING_CAPTURE)}) ORDER BY created_at, id`,
    [...AWAITING_CAPTURE],
  );
}
