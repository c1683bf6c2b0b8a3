import type { CategoryHint, Report } from '@shared/domain/resources';
import type { AuditEntry } from '../custody/audit-log';
import type { NormalizedUrl } from './normalize-url';
import type { ReportInput } from './report-file';

/**
 * What a report writes, as data: the report itself and the custody entries that describe it. One
 * place for `report add` (one report) and the bulk importer (a batch), so both log exactly the same.
 */
type Reported = Readonly<{ input: ReportInput; url: NormalizedUrl; receivedAt: string }>;

export function reportOf(
  p: Reported,
  ids: Readonly<{ reportId: string; resourceId: string; category: CategoryHint | null; actor: string }>,
): Report {
  return {
    id: ids.reportId,
    resourceId: ids.resourceId,
    originalUrl: p.url.original,
    sourceType: p.input.sourceType,
    reporterRef: p.input.reporterRef ?? null,
    category: ids.category,
    note: p.input.note ?? null,
    receivedAt: p.receivedAt,
    createdBy: ids.actor,
  };
}

export function caseCreatedEntry(actor: string, caseId: string, caseRef: string): AuditEntry {
  return {
    actor,
    action: 'case.created',
    subject: `case:${caseId}`,
    details: { ref: caseRef, via: 'report' },
  };
}

export function resourceCreatedEntry(
  actor: string,
  r: Readonly<{ resourceId: string; url: NormalizedUrl; caseRef: string | undefined; reportId: string }>,
): AuditEntry {
  return {
    actor,
    action: 'resource.created',
    subject: `resource:${r.resourceId}`,
    details: {
      url: r.url.url,
      displayUrl: r.url.displayUrl,
      host: r.url.host,
      caseRef: r.caseRef ?? null,
      report: r.reportId,
    },
  };
}

/** The custody row carries the whole report, so the log alone shows what was entered and by whom. */
export function reportEntry(
  actor: string,
  r: Readonly<{
    report: Report;
    merged: boolean;
    importedFrom: Readonly<Record<string, unknown>> | null;
    caseNote: string | undefined;
  }>,
): AuditEntry {
  return {
    actor,
    action: r.merged ? 'report.merged' : 'report.added',
    subject: `resource:${r.report.resourceId}`,
    details: {
      report: r.report,
      ...(r.importedFrom === null ? {} : { import: r.importedFrom }),
      ...(r.caseNote === undefined ? {} : { caseNote: r.caseNote }),
    },
  };
}

export function caseNoteText(keptRef: string, namedRef: string | undefined): string {
  return `the resource stays in case ${keptRef}; this report named ${namedRef ?? ''}`;
}
