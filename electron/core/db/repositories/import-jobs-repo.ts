import type { ReadConn, WriteConn } from '../database';

/** Report-list import jobs (migration 0100): where an interrupted import goes on from. */

export type ImportJob = Readonly<{
  id: string;
  sha256: string;
  fileName: string;
  options: string;
  actor: string;
  startedAt: string;
  linesDone: number;
  added: number;
  merged: number;
  rejected: number;
}>;

export type ImportCounts = Readonly<{ added: number; merged: number; rejected: number }>;

type Row = {
  id: string;
  sha256: string;
  file_name: string;
  options: string;
  actor: string;
  started_at: string;
  lines_done: number;
  added: number;
  merged: number;
  rejected: number;
};

/** The unfinished job for this file under these options, if an earlier run was interrupted. */
export async function findOpenImportJob(
  c: ReadConn,
  sha256: string,
  options: string,
): Promise<ImportJob | null> {
  const r = await c.get<Row>(
    `SELECT id, sha256, file_name, options, actor, started_at, lines_done, added, merged, rejected
     FROM import_jobs WHERE sha256 = ? AND options = ? AND finished_at IS NULL
     ORDER BY started_at DESC LIMIT 1`,
    [sha256, options],
  );
  if (r === undefined) return null;
  return {
    id: r.id,
    sha256: r.sha256,
    fileName: r.file_name,
    options: r.options,
    actor: r.actor,
    startedAt: r.started_at,
    linesDone: r.lines_done,
    added: r.added,
    merged: r.merged,
    rejected: r.rejected,
  };
}

export async function insertImportJob(
  tx: WriteConn,
  j: Readonly<{
    id: string;
    sha256: string;
    fileName: string;
    options: string;
    actor: string;
    startedAt: string;
  }>,
): Promise<void> {
  await tx.run(
    `INSERT INTO import_jobs (id, sha256, file_name, options, actor, started_at) VALUES (?, ?, ?, ?, ?, ?)`,
    [j.id, j.sha256, j.fileName, j.options, j.actor, j.startedAt],
  );
}

/** Moves the job past a committed batch; called inside that batch's transaction. */
export async function advanceImportJob(
  tx: WriteConn,
  id: string,
  linesDone: number,
  counts: ImportCounts,
): Promise<void> {
  await tx.run(
    `UPDATE import_jobs SET lines_done = ?, added = ?, merged = ?, rejected = ? WHERE id = ? AND lines_done <= ?`,
    [linesDone, counts.added, counts.merged, counts.rejected, id, linesDone],
  );
}

export async function finishImportJob(tx: WriteConn, id: string, at: string): Promise<void> {
  await tx.run(`UPDATE import_jobs SET finished_at = ? WHERE id = ?`, [at, id]);
}
