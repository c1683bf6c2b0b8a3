import type { CategoryHint, Report, SourceType } from '@shared/domain/resources';
import type { ReadConn, WriteConn } from '../database';
import { indexTexts } from './search-repo';
import { valueRows } from './sql';

/** Reports: each time someone pointed at a resource, as they entered it. */

export type NewReport = Report & Readonly<{ createdAt: string }>;

export async function insertReport(tx: WriteConn, r: NewReport, displayUrl: string): Promise<void> {
  await insertReports(tx, [{ report: r, displayUrl }]);
}

/** Many reports (a bulk import's batch) with a few multi-row statements; the same rows as `insertReport`. */
export async function insertReports(
  tx: WriteConn,
  rows: readonly Readonly<{ report: NewReport; displayUrl: string }>[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const end = Math.min(rows.length, i + 500);
    // One flat parameter array, no array per row: a bulk import inserts tens of thousands.
    const params: (string | null)[] = [];
    for (let j = i; j < end; j += 1) {
      const r = rows[j]?.report;
      if (r === undefined) continue;
      params.push(
        r.id,
        r.resourceId,
        r.originalUrl,
        r.sourceType,
        r.reporterRef,
        r.category,
        r.note,
        r.receivedAt,
        r.createdBy,
        r.createdAt,
      );
    }
    await tx.run(
      `INSERT INTO reports (id, resource_id, original_url, source_type, reporter_ref, category, note, received_at, created_by, created_at)
       VALUES ${valueRows(end - i, 10)}`,
      params,
    );
  }
  // What a person typed or pasted is searchable: the URL as reported (and its readable form) and the note.
  await indexTexts(
    tx,
    rows.map(({ report: r, displayUrl }) => ({
      title: displayUrl,
      body: [r.originalUrl, r.note ?? ''].join('\n'),
      resourceId: r.resourceId,
      captureId: null,
      kind: 'report' as const,
    })),
  );
}

type ReportRow = {
  id: string;
  resource_id: string;
  original_url: string;
  source_type: SourceType;
  reporter_ref: string | null;
  category: CategoryHint | null;
  note: string | null;
  received_at: string;
  created_by: string;
};

export async function listReports(c: ReadConn, resourceId: string): Promise<Report[]> {
  const rows = await c.all<ReportRow>(
    `SELECT id, resource_id, original_url, source_type, reporter_ref, category, note, received_at, created_by
     FROM reports WHERE resource_id = ? ORDER BY created_at, id`,
    [resourceId],
  );
  return rows.map((r) => ({
    id: r.id,
    resourceId: r.resource_id,
    originalUrl: r.original_url,
    sourceType: r.source_type,
    reporterRef: r.reporter_ref,
    category: r.category,
    note: r.note,
    receivedAt: r.received_at,
    createdBy: r.created_by,
  }));
}
