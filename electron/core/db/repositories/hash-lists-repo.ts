import type { ReadConn, WriteConn } from '../database';

/** Known-hash lists (one row per imported version), their entries, and reviewers' media assessments. */

export type HashListRow = Readonly<{
  seq: number;
  name: string;
  version: string;
  source: string;
  fileName: string;
  fileSha256: string;
  entryCount: number;
  importedBy: string;
  importedAt: string;
}>;

export type HashListEntry = Readonly<{
  sha256: string | null;
  md5: string | null;
  pdq: string | null;
  label: string;
}>;

/** An entry of the newest version of its list, with that list's name and version. */
export type CurrentEntry = HashListEntry & Readonly<{ list: string; version: string }>;

export type AssessmentRow = Readonly<{
  seq: number;
  sha256: string;
  md5: string | null;
  pdq: string | null;
  label: string;
  captureId: string | null;
  assessedBy: string;
  assessedAt: string;
}>;

type ListDbRow = {
  seq: number;
  name: string;
  version: string;
  source: string;
  file_name: string;
  file_sha256: string;
  entry_count: number;
  imported_by: string;
  imported_at: string;
};

const toList = (r: ListDbRow): HashListRow => ({
  seq: r.seq,
  name: r.name,
  version: r.version,
  source: r.source,
  fileName: r.file_name,
  fileSha256: r.file_sha256,
  entryCount: r.entry_count,
  importedBy: r.imported_by,
  importedAt: r.imported_at,
});

const LIST_COLUMNS =
  'seq, name, version, source, file_name, file_sha256, entry_count, imported_by, imported_at';

/** Rows per INSERT: 5 parameters each stays far below SQLite's parameter limit. */
const ENTRY_BATCH = 500;

export async function insertHashList(tx: WriteConn, list: Omit<HashListRow, 'seq'>): Promise<number> {
  const { lastID } = await tx.run(
    `INSERT INTO hash_lists (name, version, source, file_name, file_sha256, entry_count, imported_by, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)${tx.dialect.returningKey('seq')}`,
    [
      list.name,
      list.version,
      list.source,
      list.fileName,
      list.fileSha256,
      list.entryCount,
      list.importedBy,
      list.importedAt,
    ],
  );
  return lastID;
}

export async function insertHashListEntries(
  tx: WriteConn,
  listSeq: number,
  entries: readonly HashListEntry[],
): Promise<void> {
  for (let start = 0; start < entries.length; start += ENTRY_BATCH) {
    const batch = entries.slice(start, start + ENTRY_BATCH);
    const params = batch.flatMap((e, i) => [listSeq, start + i + 1, e.sha256, e.md5, e.pdq, e.label]);
    await tx.run(
      `INSERT INTO hash_list_entries (list_seq, row_no, sha256, md5, pdq, label) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
}

/** Every imported version, by name then oldest first. */
export async function allHashLists(conn: ReadConn): Promise<HashListRow[]> {
  return (
    await conn.all<ListDbRow>(
      `SELECT ${LIST_COLUMNS} FROM hash_lists ORDER BY ${conn.dialect.byteOrder('name')}, seq`,
    )
  ).map(toList);
}

export async function hashListVersions(conn: ReadConn, name: string): Promise<string[]> {
  const rows = await conn.all<{ version: string }>(
    'SELECT version FROM hash_lists WHERE name = ? ORDER BY seq',
    [name],
  );
  return rows.map((r) => r.version);
}

/** The entries of the newest version of every list name (a list is published whole, version by version). */
export async function currentHashListEntries(conn: ReadConn): Promise<CurrentEntry[]> {
  const rows = await conn.all<{
    name: string;
    version: string;
    sha256: string | null;
    md5: string | null;
    pdq: string | null;
    label: string;
  }>(
    `SELECT l.name, l.version, e.sha256, e.md5, e.pdq, e.label
       FROM hash_lists l JOIN hash_list_entries e ON e.list_seq = l.seq
      WHERE l.seq = (SELECT MAX(l2.seq) FROM hash_lists l2 WHERE l2.name = l.name)
      ORDER BY l.seq, e.row_no`,
  );
  return rows.map((r) => ({
    list: r.name,
    version: r.version,
    sha256: r.sha256,
    md5: r.md5,
    pdq: r.pdq,
    label: r.label,
  }));
}

/** Changes whenever a list is imported or an assessment recorded: the matcher reloads when it moves. */
export async function hashKnowledgeGeneration(conn: ReadConn): Promise<string> {
  const row = await conn.get<{ lists: number | null; assessments: number | null }>(
    'SELECT (SELECT MAX(seq) FROM hash_lists) AS lists, (SELECT MAX(seq) FROM media_assessments) AS assessments',
  );
  return `${row?.lists ?? 0}:${row?.assessments ?? 0}`;
}

type AssessmentDbRow = {
  seq: number;
  sha256: string;
  md5: string | null;
  pdq: string | null;
  label: string;
  capture_id: string | null;
  assessed_by: string;
  assessed_at: string;
};

const toAssessment = (r: AssessmentDbRow): AssessmentRow => ({
  seq: r.seq,
  sha256: r.sha256,
  md5: r.md5,
  pdq: r.pdq,
  label: r.label,
  captureId: r.capture_id,
  assessedBy: r.assessed_by,
  assessedAt: r.assessed_at,
});

export async function insertAssessment(tx: WriteConn, a: Omit<AssessmentRow, 'seq'>): Promise<number> {
  const { lastID } = await tx.run(
    `INSERT INTO media_assessments (sha256, md5, pdq, label, capture_id, assessed_by, assessed_at) VALUES (?, ?, ?, ?, ?, ?, ?)${tx.dialect.returningKey('seq')}`,
    [a.sha256, a.md5, a.pdq, a.label, a.captureId, a.assessedBy, a.assessedAt],
  );
  return lastID;
}

/** Every assessment, oldest first (a later one for the same item supersedes an earlier one). */
export async function allAssessments(conn: ReadConn): Promise<AssessmentRow[]> {
  return (
    await conn.all<AssessmentDbRow>(
      'SELECT seq, sha256, md5, pdq, label, capture_id, assessed_by, assessed_at FROM media_assessments ORDER BY seq',
    )
  ).map(toAssessment);
}
