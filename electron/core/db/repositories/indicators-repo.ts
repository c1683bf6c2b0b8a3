import type { ReadConn, WriteConn } from '../database';
import { inBatches } from './sql';

/**
 * Indicators, their occurrences and coded-term hits (migration 0170). Rows are only ever added: a
 * newer extraction of a capture is a new run, and every read goes through the newest run of each
 * capture (`CURRENT_RUN`), so an older run stays as the record of what an older extractor found.
 */

/** The newest run of the capture of run `r`: the only one reads count. */
const CURRENT_RUN = 'r.id = (SELECT max(r2.id) FROM extraction_runs r2 WHERE r2.capture_id = r.capture_id)';
const BLOCKED = "('blocked', 'block_verified')";

/** Text sort keys in SQLite's byte order on either engine, so lists come out in the same order. */
const byteOrder = (conn: ReadConn, ...columns: string[]): string =>
  columns.map((c) => conn.dialect.byteOrder(c)).join(', ');

export type Box = Readonly<{ x: number; y: number; w: number; h: number }>;

export type NewRun = Readonly<{
  captureId: string;
  resourceId: string;
  extractorVersion: number;
  /** `id@version` of each lexicon matched, in order. */
  lexicons: readonly string[];
  at: string;
  capturedAt: string;
}>;

export type NewOccurrence = Readonly<{
  type: string;
  value: string;
  artifact: 'text' | 'dom' | 'url' | 'link';
  artifactName: string;
  offset: number;
  length: number;
  raw: string;
  box: Box | null;
}>;

export type NewLexiconHit = Readonly<{
  lexiconId: string;
  lexiconVersion: number;
  termId: string;
  term: string;
  category: string;
  language: string;
  offset: number;
  length: number;
  box: Box | null;
}>;

export async function insertExtractionRun(
  tx: WriteConn,
  run: NewRun,
  occurrences: readonly NewOccurrence[],
  hits: readonly NewLexiconHit[],
): Promise<number> {
  const { lastID: runId } = await tx.run(
    `INSERT INTO extraction_runs (capture_id, resource_id, extractor_version, lexicons, at, captured_at) VALUES (?, ?, ?, ?, ?, ?)${tx.dialect.returningKey('id')}`,
    [
      run.captureId,
      run.resourceId,
      run.extractorVersion,
      JSON.stringify(run.lexicons),
      run.at,
      run.capturedAt,
    ],
  );
  const ids = new Map<string, number>();
  for (const o of occurrences) {
    const key = `${o.type}:${o.value}`;
    let id = ids.get(key);
    if (id === undefined) {
      await tx.run(tx.dialect.insertIgnoring('INSERT INTO indicators (type, value) VALUES (?, ?)'), [
        o.type,
        o.value,
      ]);
      const row = await tx.get<{ id: number }>('SELECT id FROM indicators WHERE type = ? AND value = ?', [
        o.type,
        o.value,
      ]);
      id = row?.id ?? 0;
      ids.set(key, id);
    }
    await tx.run(
      'INSERT INTO indicator_occurrences (run_id, indicator_id, artifact, artifact_name, "offset", length, raw, box_x, box_y, box_w, box_h, extractor_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        runId,
        id,
        o.artifact,
        o.artifactName,
        o.offset,
        o.length,
        o.raw,
        ...boxParams(o.box),
        run.extractorVersion,
      ],
    );
  }
  for (const h of hits) {
    await tx.run(
      'INSERT INTO lexicon_hits (run_id, lexicon_id, lexicon_version, term_id, term, category, language, "offset", length, box_x, box_y, box_w, box_h) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        runId,
        h.lexiconId,
        h.lexiconVersion,
        h.termId,
        h.term,
        h.category,
        h.language,
        h.offset,
        h.length,
        ...boxParams(h.box),
      ],
    );
  }
  return runId;
}

const boxParams = (b: Box | null): (number | null)[] => (b ? [b.x, b.y, b.w, b.h] : [null, null, null, null]);

/** Captures with no run, or whose newest run is older than `version` (or used other lexicons). */
export async function capturesToExtract(
  conn: ReadConn,
  version: number,
  lexicons: readonly string[],
): Promise<{ captureId: string; resourceId: string }[]> {
  return conn.all<{ captureId: string; resourceId: string }>(
    `SELECT c.id AS "captureId", c.resource_id AS "resourceId" FROM captures c
     LEFT JOIN extraction_runs r ON r.capture_id = c.id AND ${CURRENT_RUN}
     WHERE r.id IS NULL OR r.extractor_version < ? OR r.lexicons <> ?
     ORDER BY c.started_at, c.id`,
    [version, JSON.stringify(lexicons)],
  );
}

export type OccurrenceRow = Readonly<{
  type: string;
  value: string;
  captureId: string;
  resourceId: string;
  capturedAt: string;
  artifact: 'text' | 'dom' | 'url' | 'link';
  artifactName: string;
  offset: number;
  length: number;
  raw: string;
  boxX: number | null;
  boxY: number | null;
  boxW: number | null;
  boxH: number | null;
  extractorVersion: number;
}>;

// camelCase names are quoted: PostgreSQL folds unquoted ones to lower case.
const OCCURRENCE_COLUMNS = `i.type AS type, i.value AS value, r.capture_id AS "captureId", r.resource_id AS "resourceId",
  r.captured_at AS "capturedAt", o.artifact AS artifact, o.artifact_name AS "artifactName", o."offset" AS "offset",
  o.length AS length, o.raw AS raw, o.box_x AS "boxX", o.box_y AS "boxY", o.box_w AS "boxW", o.box_h AS "boxH",
  o.extractor_version AS "extractorVersion"`;

/** Every occurrence in the newest runs of these resources' captures, by indicator then capture. */
export async function occurrencesOfResources(
  conn: ReadConn,
  resourceIds: readonly string[],
): Promise<OccurrenceRow[]> {
  return inBatches(resourceIds, (batch, marks) =>
    conn.all<OccurrenceRow>(
      `SELECT ${OCCURRENCE_COLUMNS} FROM extraction_runs r
       JOIN indicator_occurrences o ON o.run_id = r.id JOIN indicators i ON i.id = o.indicator_id
       WHERE r.resource_id IN (${marks}) AND ${CURRENT_RUN}
       ORDER BY ${byteOrder(conn, 'i.type', 'i.value')}, r.captured_at, ${byteOrder(conn, 'r.capture_id', 'o.artifact')}, o."offset"`,
      batch,
    ),
  );
}

export type HolderRow = Readonly<{
  resourceId: string;
  url: string;
  state: string;
  captureId: string;
  capturedAt: string;
  occurrences: number;
}>;

/** Each capture (newest run) holding the indicator, with its resource: the network of one indicator. */
export async function holdersOfIndicator(conn: ReadConn, type: string, value: string): Promise<HolderRow[]> {
  return conn.all<HolderRow>(
    `SELECT r.resource_id AS "resourceId", res.url AS url, res.state AS state, r.capture_id AS "captureId",
       r.captured_at AS "capturedAt", count(*) AS occurrences
     FROM indicators i JOIN indicator_occurrences o ON o.indicator_id = i.id
     JOIN extraction_runs r ON r.id = o.run_id JOIN resources res ON res.id = r.resource_id
     WHERE i.type = ? AND i.value = ? AND ${CURRENT_RUN}
     GROUP BY r.id, res.id ORDER BY r.captured_at, ${byteOrder(conn, 'r.capture_id')}`,
    [type, value],
  );
}

export type SharedRow = Readonly<{
  type: string;
  value: string;
  /** Other resources holding it (newest runs), and how many of them are blocked. */
  resources: number;
  blocked: number;
}>;

/**
 * For each indicator of the resource, the other resources holding it: the resource's links into
 * the network, and the intake hint ("shares wallet … with 12 resources, 3 already blocked").
 */
export async function sharedIndicatorsOf(conn: ReadConn, resourceId: string): Promise<SharedRow[]> {
  return conn.all<SharedRow>(
    `WITH mine AS (
       SELECT DISTINCT o.indicator_id AS id FROM extraction_runs r JOIN indicator_occurrences o ON o.run_id = r.id
       WHERE r.resource_id = ? AND ${CURRENT_RUN})
     SELECT i.type AS type, i.value AS value, count(DISTINCT res.id) AS resources,
       count(DISTINCT CASE WHEN res.state IN ${BLOCKED} THEN res.id END) AS blocked
     FROM mine JOIN indicators i ON i.id = mine.id
     JOIN indicator_occurrences o ON o.indicator_id = mine.id JOIN extraction_runs r ON r.id = o.run_id
     JOIN resources res ON res.id = r.resource_id
     WHERE r.resource_id <> ? AND ${CURRENT_RUN}
     GROUP BY i.id ORDER BY resources DESC, ${byteOrder(conn, 'i.type', 'i.value')}`,
    [resourceId, resourceId],
  );
}

/** Resources of a case, for an export by case. */
export async function resourceIdsOfCase(conn: ReadConn, caseId: string): Promise<string[]> {
  const rows = await conn.all<{ id: string }>(
    'SELECT id FROM resources WHERE case_id = ? ORDER BY created_at, id',
    [caseId],
  );
  return rows.map((r) => r.id);
}

export type LexiconHitRow = Readonly<{
  captureId: string;
  resourceId: string;
  lexiconId: string;
  lexiconVersion: number;
  termId: string;
  term: string;
  category: string;
  language: string;
  offset: number;
  length: number;
  boxX: number | null;
  boxY: number | null;
  boxW: number | null;
  boxH: number | null;
}>;

export async function lexiconHitsOfResource(conn: ReadConn, resourceId: string): Promise<LexiconHitRow[]> {
  return conn.all<LexiconHitRow>(
    `SELECT r.capture_id AS "captureId", r.resource_id AS "resourceId", h.lexicon_id AS "lexiconId",
       h.lexicon_version AS "lexiconVersion", h.term_id AS "termId", h.term AS term, h.category AS category,
       h.language AS language, h."offset" AS "offset", h.length AS length,
       h.box_x AS "boxX", h.box_y AS "boxY", h.box_w AS "boxW", h.box_h AS "boxH"
     FROM extraction_runs r JOIN lexicon_hits h ON h.run_id = r.id
     WHERE r.resource_id = ? AND ${CURRENT_RUN} ORDER BY r.captured_at, ${byteOrder(conn, 'r.capture_id')}, h."offset"`,
    [resourceId],
  );
}

export type CountRow = Readonly<{ resourceId: string; indicators: number; terms: number }>;

/**
 * Distinct indicators and distinct coded terms in the newest runs of each resource's captures: what a
 * list shows beside a resource. Two grouped reads over the resource index, a page of ids at a time.
 */
export async function indicatorCountsOf(conn: ReadConn, resourceIds: readonly string[]): Promise<CountRow[]> {
  const indicators = await inBatches(resourceIds, (batch, marks) =>
    conn.all<{ resourceId: string; n: number }>(
      `SELECT r.resource_id AS "resourceId", count(DISTINCT o.indicator_id) AS n
       FROM extraction_runs r JOIN indicator_occurrences o ON o.run_id = r.id
       WHERE r.resource_id IN (${marks}) AND ${CURRENT_RUN} GROUP BY r.resource_id`,
      batch,
    ),
  );
  const terms = await inBatches(resourceIds, (batch, marks) =>
    conn.all<{ resourceId: string; n: number }>(
      `SELECT r.resource_id AS "resourceId", count(DISTINCT h.lexicon_id || ':' || h.term_id) AS n
       FROM extraction_runs r JOIN lexicon_hits h ON h.run_id = r.id
       WHERE r.resource_id IN (${marks}) AND ${CURRENT_RUN} GROUP BY r.resource_id`,
      batch,
    ),
  );
  const ind = new Map(indicators.map((r) => [r.resourceId, r.n]));
  const term = new Map(terms.map((r) => [r.resourceId, r.n]));
  return [...new Set(resourceIds)].map((id) => ({
    resourceId: id,
    indicators: ind.get(id) ?? 0,
    terms: term.get(id) ?? 0,
  }));
}

export type LexiconVersionRow = Readonly<{
  lexiconId: string;
  version: number;
  language: string;
  category: string;
  source: string;
  body: string;
  sha256: string;
  importedAt: string;
  importedBy: string;
}>;

export async function insertLexiconVersion(tx: WriteConn, row: LexiconVersionRow): Promise<void> {
  await tx.run(
    'INSERT INTO lexicon_versions (lexicon_id, version, language, category, source, body, sha256, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      row.lexiconId,
      row.version,
      row.language,
      row.category,
      row.source,
      row.body,
      row.sha256,
      row.importedAt,
      row.importedBy,
    ],
  );
}

/** Every stored version of every lexicon, newest version of each first. */
export async function listLexiconVersions(conn: ReadConn): Promise<LexiconVersionRow[]> {
  return conn.all<LexiconVersionRow>(
    `SELECT lexicon_id AS "lexiconId", version, language, category, source, body, sha256,
       imported_at AS "importedAt", imported_by AS "importedBy"
     FROM lexicon_versions ORDER BY ${byteOrder(conn, 'lexicon_id')}, version DESC`,
  );
}
