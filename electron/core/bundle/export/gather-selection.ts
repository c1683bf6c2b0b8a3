import type { AuditRow } from '@shared/contract/methods/custody';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { DecisionRecord } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import type { ReadConn } from '@core/db/database';
import { listCaptures } from '@core/db/repositories/captures-repo';
import { caseRefOf } from '@core/db/repositories/cases-repo';
import { listDecisions } from '@core/db/repositories/decisions-repo';
import {
  caseById,
  caseByRef,
  resourcesByIds,
  resourcesOfCase,
  usersByNames,
  type ExportCase,
  type ExportResource,
  type ExportUser,
} from '@core/db/repositories/exports-repo';
import { auditRowsConcerning } from '@core/custody/audit-log';
import { compareNames } from '../zip-writer';
import type { MigratedCustody } from './gather-migrated-custody';

export type BundleSelection = Readonly<{ caseRef?: string; resourceIds?: readonly string[] }>;

/** Everything of the selection that goes into the bundle, as read in one read transaction. */
export type Gathered = Readonly<{
  caseRow: ExportCase | null;
  resources: readonly (ExportResource & { caseRef: string | null })[];
  captures: readonly CaptureRecord[];
  decisions: readonly DecisionRecord[];
  custody: readonly AuditRow[];
  users: readonly ExportUser[];
  /** The subjects whose custody rows are bundled (`case:…`, `resource:…`, `capture:…`, `decision:…`). */
  subjects: readonly string[];
  /** Custody kept by workstations before they were migrated into this server (team mode). */
  migrated: readonly MigratedCustody[];
}>;

/** What one read transaction of the database gathers; the migrated custody is read from blobs after it. */
export type GatheredInDb = Omit<Gathered, 'migrated'>;

type Selected = { caseRow: ExportCase | null; resources: ExportResource[] };

async function selectCase(conn: ReadConn, caseRef: string): Promise<Selected> {
  const caseRow = await caseByRef(conn, caseRef);
  if (caseRow === null) throw new AppError('evidence.not-found', `no case ${caseRef}`);
  return { caseRow, resources: await resourcesOfCase(conn, caseRow.id) };
}

/** Named resources, every one of which must exist; their case when they all belong to one. */
async function selectResources(conn: ReadConn, resourceIds: readonly string[]): Promise<Selected> {
  const ids = [...new Set(resourceIds)].sort();
  const resources = await resourcesByIds(conn, ids);
  const found = new Set(resources.map((r) => r.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length > 0) throw new AppError('evidence.not-found', `no resource ${missing.join(', ')}`);
  const caseIds = new Set(resources.map((r) => r.caseId));
  const only = [...caseIds][0];
  const caseRow = caseIds.size === 1 && typeof only === 'string' ? await caseById(conn, only) : null;
  return { caseRow, resources };
}

async function caseRefsOf(
  conn: ReadConn,
  resources: readonly ExportResource[],
): Promise<Map<string, string>> {
  const caseRefs = new Map<string, string>();
  for (const id of new Set(resources.map((r) => r.caseId))) {
    if (id === null) continue;
    const ref = await caseRefOf(conn, id);
    if (ref !== null) caseRefs.set(id, ref);
  }
  return caseRefs;
}

/** Reads the selection: its case, resources, their captures and decisions, custody rows and accounts. */
export async function gatherSelection(
  conn: ReadConn,
  selection: BundleSelection,
  pathOf: (sha256: string) => string,
): Promise<GatheredInDb> {
  const { caseRow, resources } =
    selection.caseRef !== undefined
      ? await selectCase(conn, selection.caseRef)
      : await selectResources(conn, selection.resourceIds ?? []);
  if (resources.length === 0)
    throw new AppError('input.invalid', 'the selection names no resource to export');
  resources.sort((a, b) => compareNames(a.id, b.id));
  const caseRefs = await caseRefsOf(conn, resources);

  const captures: CaptureRecord[] = [];
  const decisions: DecisionRecord[] = [];
  for (const r of resources) {
    captures.push(...(await listCaptures(conn, r.id, pathOf)));
    decisions.push(...(await listDecisions(conn, r.id)));
  }
  const subjects = [
    ...(caseRow ? [`case:${caseRow.id}`] : []),
    ...resources.map((r) => `resource:${r.id}`),
    ...captures.map((c) => `capture:${c.id}`),
    ...decisions.map((d) => `decision:${d.id}`),
  ];
  const custody = await auditRowsConcerning(conn, subjects);
  // Everyone whose signature or work is in the bundle: reviewers and capture operators with an account.
  const names = [
    ...new Set([...decisions.map((d) => d.reviewer.name), ...captures.map((c) => c.context.operator)]),
  ];
  const users = await usersByNames(conn, names);
  return {
    caseRow,
    resources: resources.map((r) => ({ ...r, caseRef: r.caseId ? (caseRefs.get(r.caseId) ?? null) : null })),
    captures,
    decisions,
    custody,
    users,
    subjects,
  };
}
