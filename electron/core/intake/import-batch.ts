import type { AuditRow } from '@shared/contract/methods/custody';
import type { CategoryHint, Report, ResourceState } from '@shared/domain/resources';
import { INITIAL_STATE } from '@shared/domain/workflow';
import type { AuditEntry } from '../custody/audit-log';
import type { WriteConn } from '../db/database';
import { caseRefOf, findCaseByRef, insertCase } from '../db/repositories/cases-repo';
import { insertReports, type NewReport } from '../db/repositories/reports-repo';
import {
  addReportsToResources,
  insertResources,
  resourcesByUrls,
  type NewResource,
} from '../db/repositories/resources-repo';
import { INTAKE_FLAG_REASON, raiseFlagIn } from '../review/suspected-csam-flag';
import type { Workspace } from '../workspace';
import type { NormalizedUrl } from './normalize-url';
import {
  caseCreatedEntry,
  caseNoteText,
  reportEntry,
  reportOf,
  resourceCreatedEntry,
} from './report-entries';
import type { ReportInput } from './report-file';

/** A report that passed every check that needs no database: ready to be written. */
export type PreparedReport = Readonly<{
  line: number;
  input: ReportInput;
  url: NormalizedUrl;
  receivedAt: string;
}>;

export type BatchWritten = Readonly<{
  line: number;
  report: Report;
  resourceId: string;
  merged: boolean;
  state: ResourceState;
  caseNote?: string;
}>;

type Known = {
  id: string;
  caseId: string | null;
  categories: CategoryHint[];
  state: ResourceState;
  fresh: boolean;
};

/** The case a report names, from the batch's cache, the database, or created with its custody entry. */
async function caseNamed(
  ws: Workspace,
  tx: WriteConn,
  c: Readonly<{
    caseRef: string | undefined;
    at: string;
    actor: string;
    cases: Map<string, string>;
    refs: Map<string, string>;
    entries: AuditEntry[];
  }>,
): Promise<string | null> {
  const { caseRef, actor } = c;
  if (caseRef === undefined || caseRef === '') return null;
  let caseId = c.cases.get(caseRef) ?? (await findCaseByRef(tx, caseRef));
  if (caseId === null) {
    caseId = ws.ids('CaseId');
    await insertCase(tx, { id: caseId, ref: caseRef, title: caseRef, at: c.at, createdBy: actor });
    c.entries.push(caseCreatedEntry(actor, caseId, caseRef));
  }
  c.cases.set(caseRef, caseId);
  c.refs.set(caseId, caseRef);
  return caseId;
}

/**
 * Writes a batch of reports as `writeOne` writes each of them — the same rows, the same custody
 * entries in the same order — but with a handful of statements: one look-up of the batch's URLs,
 * multi-row inserts of the new resources, reports and search rows, one update of the resources that
 * gained reports, and the custody rows chained in memory. Every round trip to SQLite costs about as
 * much as the row it writes, so this is what makes an import of 50,000 lines take seconds.
 */
export async function writeReportBatch(
  ws: Workspace,
  tx: WriteConn,
  auditMany: (entries: readonly AuditEntry[]) => Promise<AuditRow[]>,
  b: Readonly<{ items: readonly PreparedReport[]; actor: string; origin: Readonly<Record<string, unknown>> }>,
): Promise<BatchWritten[]> {
  const { actor } = b;
  const known = new Map<string, Known>();
  for (const [url, k] of await resourcesByUrls(
    tx,
    b.items.map((p) => p.url.url),
  ))
    known.set(url, { ...k, categories: [...k.categories], fresh: false });
  const cases = new Map<string, string>();
  const refs = new Map<string, string>();
  const entries: AuditEntry[] = [];
  const fresh: (NewResource & { reportCount: number; updatedAt: string })[] = [];
  const grown = new Map<
    string,
    { id: string; count: number; categories: CategoryHint[]; caseId: string | null; at: string }
  >();
  const reports: { report: NewReport; displayUrl: string }[] = [];
  const out: BatchWritten[] = [];
  const flagged: { resourceId: string; line: number; at: string }[] = [];
  for (const p of b.items) {
    const at = ws.clock().toISOString();
    const caseRef = p.input.caseRef?.trim();
    const caseId = await caseNamed(ws, tx, { caseRef, at, actor, cases, refs, entries });
    const category: CategoryHint | null = p.input.category ?? null;
    const existing = known.get(p.url.url);
    const reportId = ws.ids('ReportId');
    let resourceId: string;
    let caseNote: string | undefined;
    if (existing === undefined) {
      resourceId = ws.ids('ResourceId');
      const categories = category === null ? [] : [category];
      const row = {
        id: resourceId,
        caseId,
        url: p.url.url,
        displayUrl: p.url.displayUrl,
        host: p.url.host,
        categories,
        at,
        reportCount: 1,
        updatedAt: at,
      };
      fresh.push(row);
      known.set(p.url.url, { id: resourceId, caseId, categories, state: INITIAL_STATE, fresh: true });
      entries.push(resourceCreatedEntry(actor, { resourceId, url: p.url, caseRef, reportId }));
    } else {
      resourceId = existing.id;
      if (category !== null && !existing.categories.includes(category)) existing.categories.push(category);
      if (caseId !== null && existing.caseId !== null && existing.caseId !== caseId) {
        const ref = refs.get(existing.caseId) ?? (await caseRefOf(tx, existing.caseId)) ?? existing.caseId;
        refs.set(existing.caseId, ref);
        caseNote = caseNoteText(ref, caseRef);
      }
      // As `addReportToResource`: the case is set only when the resource had none.
      existing.caseId = existing.caseId ?? caseId;
      if (existing.fresh) {
        const row = fresh.find((r) => r.id === resourceId);
        if (row !== undefined)
          Object.assign(row, {
            reportCount: row.reportCount + 1,
            categories: [...existing.categories],
            caseId: existing.caseId,
            updatedAt: at,
          });
      } else {
        const g = grown.get(resourceId) ?? { id: resourceId, count: 0, categories: [], caseId: null, at };
        grown.set(resourceId, {
          ...g,
          count: g.count + 1,
          categories: [...existing.categories],
          caseId: g.caseId ?? caseId,
          at,
        });
      }
    }
    const report = reportOf(p, { reportId, resourceId, category, actor });
    reports.push({ report: { ...report, createdAt: at }, displayUrl: p.url.displayUrl });
    entries.push(
      reportEntry(actor, {
        report,
        merged: existing !== undefined,
        importedFrom: { ...b.origin, line: p.line },
        caseNote,
      }),
    );
    if (p.input.suspectedCsam === true) flagged.push({ resourceId, line: p.line, at });
    const state = existing?.state ?? INITIAL_STATE;
    const written = { line: p.line, report, resourceId, merged: existing !== undefined, state };
    out.push(caseNote === undefined ? written : { ...written, caseNote });
  }
  await insertResources(tx, fresh);
  await addReportsToResources(tx, [...grown.values()]);
  await insertReports(tx, reports);
  // A line answering suspected_csam raises the flag of its resource (once: a raised flag records
  // nothing more), after the resources exist and in this transaction, its custody row after the
  // batch's report rows.
  for (const f of flagged)
    await raiseFlagIn(
      tx,
      (entry) => {
        entries.push(entry);
        return Promise.resolve();
      },
      { resourceId: f.resourceId, source: 'intake', reason: INTAKE_FLAG_REASON, actor, at: f.at },
      { importedFrom: { ...b.origin, line: f.line } },
    );
  await auditMany(entries);
  return out;
}
