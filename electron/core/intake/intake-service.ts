import { Readable } from 'node:stream';
import { isAllowedHost } from '../capture/request-policy';
import type { ImportLine } from '@shared/contract/methods/intake';
import type { CategoryHint, Report, ResourceSummary } from '@shared/domain/resources';
import type { Role } from '@shared/domain/users';
import { allowedActions, AWAITING_ROLE, INITIAL_STATE } from '@shared/domain/workflow';
import type { ResourceState } from '@shared/domain/resources';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { AuditEntry } from '../custody/audit-log';
import { createSettingsService } from '../settings/settings-service';
import { writeReportBatch, type PreparedReport } from './import-batch';
import { runImport, type ImportSink, type ImportSource, type ImportSummary } from './import-job';
import { DEFAULT_IMPORT_MAX_BYTES, echoPrefix } from './list-lines';
import type { WriteConn } from '../db/database';
import type { Workspace } from '../workspace';
import { checkHostAllowed } from './address-policy';
import { normalizeUrl } from './normalize-url';
import {
  caseCreatedEntry,
  caseNoteText,
  reportEntry,
  reportOf,
  resourceCreatedEntry,
} from './report-entries';
import {
  parseReceivedAt,
  parseReportFile,
  rowToReport,
  type ReportDefaults,
  type ReportInput,
} from './report-file';
import { caseRefOf, findCaseByRef, insertCase } from '../db/repositories/cases-repo';
import { checkedAgainstManifests } from '../capture/manifest-view';
import { capturesPerDay, listCaptures } from '../db/repositories/captures-repo';
import { withTokenDetails } from '../custody/token-details';
import { decisionsPerDay, listDecisions } from '../db/repositories/decisions-repo';
import { insertReport, listReports } from '../db/repositories/reports-repo';
import {
  addReportToResource,
  countByCategory,
  countByState,
  countInStates,
  existingResourceIds,
  findResourceByUrl,
  getResourceSummary,
  insertResource,
  listResources,
  type ResourceQuery,
} from '../db/repositories/resources-repo';
import { INTAKE_FLAG_REASON, raiseFlagIn } from '../review/suspected-csam-flag';
import type { z } from 'zod';
import type { DashboardStats, ImportResult, ResourceDetail } from '@shared/contract/methods/intake';

export type { ReportInput, ReportDefaults } from './report-file';
export type { ImportSink, ImportSource, ImportSummary, ImportProgress } from './import-job';

export type IntakeOptions = Readonly<{
  /** Who is recorded as having entered the report (a user name, or `os:<account>` from the CLI). */
  actor: string;
  /** Accept loopback and private addresses (e.g. a test site on the investigator's own network). */
  allowPrivateNetwork?: boolean;
  /** `HOST[:PORT]` entries accepted whatever their address (`--allow-host`); nothing else private is. */
  allowHosts?: readonly string[];
}>;

export type ImportRequest = Readonly<{ fileName: string; content: string; defaults?: ReportDefaults }>;
export type ImportOutcome = z.infer<typeof ImportResult>;
export type AddOutcome = Readonly<{ report: Report; resource: ResourceSummary; merged: boolean }>;

export type IntakeService = Readonly<{
  addReport: (input: ReportInput, opts: IntakeOptions) => Promise<AddOutcome>;
  /** What `importReports` would do with the file, line by line. Reads only; writes nothing at all. */
  previewImport: (input: ImportRequest, opts: IntakeOptions) => Promise<ImportOutcome>;
  importReports: (input: ImportRequest, opts: IntakeOptions) => Promise<ImportOutcome>;
  /**
   * Imports a list streamed from its source as one resumable job; each line's outcome goes to the
   * sink as its batch commits, none is kept. Re-running an interrupted import of the same file with
   * the same options goes on after its last committed batch.
   */
  importFile: (
    source: ImportSource,
    defaults: ReportDefaults,
    opts: IntakeOptions,
    sink?: ImportSink,
  ) => Promise<ImportSummary>;
  listResources: (q: ResourceQuery) => Promise<{ items: ResourceSummary[]; total: number }>;
  getResource: (id: string, role: Role) => Promise<ResourceDetail>;
  dashboard: (role: Role) => Promise<z.infer<typeof DashboardStats>>;
}>;

/** A report that passed every check that needs no database: ready to be written. */
type Prepared = PreparedReport;

type Written = Readonly<{
  report: Report;
  resourceId: string;
  merged: boolean;
  state: ResourceState;
  /** Set when the report named another case than the one its resource already belongs to. */
  caseNote?: string;
}>;

const reasonOf = (error: unknown): string =>
  isAppError(error)
    ? `${error.code}: ${error.message}`
    : `internal.unexpected: the line could not be stored (${error instanceof Error ? error.message : String(error)})`;

export function createIntakeService(ws: Workspace): IntakeService {
  async function prepare(line: number, input: ReportInput, opts: IntakeOptions): Promise<Prepared> {
    const url = normalizeUrl(input.url);
    const u = new URL(url.url);
    const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
    await checkHostAllowed(url.host, {
      allowPrivate: opts.allowPrivateNetwork === true || isAllowedHost(opts.allowHosts ?? [], url.host, port),
    });
    const now = ws.clock();
    const receivedAt =
      input.receivedAt === undefined ? now.toISOString() : parseReceivedAt(input.receivedAt, now);
    return { line, input, url, receivedAt };
  }

  /** The id of the case a report names, created (with its custody entry) the first time it is named. */
  async function caseNamed(
    tx: WriteConn,
    caseRef: string | undefined,
    by: Readonly<{ actor: string; at: string; entries: AuditEntry[] }>,
  ): Promise<string | null> {
    if (caseRef === undefined || caseRef === '') return null;
    const known = await findCaseByRef(tx, caseRef);
    if (known !== null) return known;
    const caseId = ws.ids('CaseId');
    await insertCase(tx, { id: caseId, ref: caseRef, title: caseRef, at: by.at, createdBy: by.actor });
    by.entries.push(caseCreatedEntry(by.actor, caseId, caseRef));
    return caseId;
  }

  /**
   * Writes one report inside the caller's transaction and returns the custody entries that describe
   * it; the caller appends them in the same transaction. Looking the resource up here, under the write
   * lock, is what makes two concurrent reports of one URL end up as one resource.
   */
  async function writeOne(
    tx: WriteConn,
    p: Prepared,
    actor: string,
    origin: Readonly<Record<string, unknown>> | null,
  ): Promise<{ written: Written; entries: AuditEntry[] }> {
    const at = ws.clock().toISOString();
    const entries: AuditEntry[] = [];
    const caseRef = p.input.caseRef?.trim();
    const caseId = await caseNamed(tx, caseRef, { actor, at, entries });
    const category: CategoryHint | null = p.input.category ?? null;
    const existing = await findResourceByUrl(tx, p.url.url);
    const reportId = ws.ids('ReportId');
    let resourceId: string;
    let caseNote: string | undefined;
    if (existing === null) {
      resourceId = ws.ids('ResourceId');
      await insertResource(tx, {
        id: resourceId,
        caseId,
        url: p.url.url,
        displayUrl: p.url.displayUrl,
        host: p.url.host,
        categories: category === null ? [] : [category],
        at,
      });
      entries.push(resourceCreatedEntry(actor, { resourceId, url: p.url, caseRef, reportId }));
    } else {
      resourceId = existing.id;
      const categories =
        category === null || existing.categories.includes(category)
          ? existing.categories
          : [...existing.categories, category];
      await addReportToResource(tx, resourceId, { categories, caseId, at });
      if (caseId !== null && existing.caseId !== null && existing.caseId !== caseId) {
        caseNote = caseNoteText((await caseRefOf(tx, existing.caseId)) ?? existing.caseId, caseRef);
      }
    }
    const report = reportOf(p, { reportId, resourceId, category, actor });
    await insertReport(tx, { ...report, createdAt: at }, p.url.displayUrl);
    entries.push(reportEntry(actor, { report, merged: existing !== null, importedFrom: origin, caseNote }));
    // A line of an import answering suspected_csam raises the flag here, as the batch writer does;
    // `report add` raises it through its handler.
    if (origin !== null && p.input.suspectedCsam === true)
      await raiseFlagIn(
        tx,
        (entry) => {
          entries.push(entry);
          return Promise.resolve();
        },
        { resourceId, source: 'intake', reason: INTAKE_FLAG_REASON, actor, at },
        { importedFrom: origin },
      );
    const written: Written = {
      report,
      resourceId,
      merged: existing !== null,
      state: existing?.state ?? INITIAL_STATE,
    };
    return { written: caseNote === undefined ? written : { ...written, caseNote }, entries };
  }

  function emitChanged(changed: ReadonlyMap<string, ResourceState>): void {
    for (const [resourceId, state] of changed) ws.events.emit('resource.changed', { resourceId, state });
  }

  /** Every line of the file either prepared for writing or already rejected with its reason. */
  async function plan(
    input: ImportRequest,
    opts: IntakeOptions,
  ): Promise<{ lines: (Prepared | ImportLine)[] }> {
    const file = parseReportFile(input.fileName, input.content);
    const defaults: ReportDefaults = input.defaults ?? {};
    const lines: (Prepared | ImportLine)[] = [];
    for (const row of file.rows) {
      const url = echoPrefix(row.values.url ?? '');
      const fields = rowToReport(row, defaults);
      if (!fields.ok) {
        lines.push({ line: row.line, url, outcome: 'rejected', reason: fields.reason });
        continue;
      }
      try {
        lines.push(await prepare(row.line, fields.report, opts));
      } catch (error) {
        lines.push({ line: row.line, url, outcome: 'rejected', reason: reasonOf(error) });
      }
    }
    return { lines };
  }

  async function importFrom(
    source: ImportSource,
    defaults: ReportDefaults,
    opts: IntakeOptions,
    sink: ImportSink = {},
  ): Promise<ImportSummary> {
    const settings = await createSettingsService(ws).get();
    return runImport<Prepared>(
      ws,
      {
        prepare: (line, input) => prepare(line, input, opts),
        urlOf: (p) => p.url.original,
        writeOne: async (tx, p, origin) => {
          const { written, entries } = await writeOne(tx, p, opts.actor, origin);
          return { ...written, entries };
        },
        writeMany: (tx, auditMany, items, origin) =>
          writeReportBatch(ws, tx, auditMany, { items, actor: opts.actor, origin }),
        changed: emitChanged,
      },
      {
        source,
        defaults,
        actor: opts.actor,
        options: {
          actor: opts.actor,
          allowPrivateNetwork: opts.allowPrivateNetwork === true,
          allowHosts: opts.allowHosts ?? [],
        },
        maxFileBytes: settings.importMaxBytes ?? DEFAULT_IMPORT_MAX_BYTES,
        sink,
      },
    );
  }

  const isPrepared = (l: Prepared | ImportLine): l is Prepared => 'input' in l;

  const summarise = (lines: ImportLine[]): ImportOutcome => ({
    lines,
    added: lines.filter((l) => l.outcome === 'added').length,
    merged: lines.filter((l) => l.outcome === 'merged').length,
    rejected: lines.filter((l) => l.outcome === 'rejected').length,
  });

  return {
    async addReport(input, opts) {
      const prepared = await prepare(1, input, opts);
      const written = await ws.record(async (tx, audit) => {
        const { written, entries } = await writeOne(tx, prepared, opts.actor, null);
        for (const entry of entries) await audit(entry);
        return written;
      });
      emitChanged(new Map([[written.resourceId, written.state]]));
      const resource = await ws.db.read((c) => getResourceSummary(c, written.resourceId));
      if (resource === null)
        throw new AppError('internal.unexpected', `resource ${written.resourceId} vanished after commit`);
      return { report: written.report, resource, merged: written.merged };
    },

    async previewImport(input, opts) {
      const { lines } = await plan(input, opts);
      const prepared = lines.filter(isPrepared);
      const existing = await ws.db.read((c) =>
        existingResourceIds(
          c,
          prepared.map((p) => p.url.url),
        ),
      );
      const firstLine = new Map<string, number>();
      const out: ImportLine[] = lines.map((l) => {
        if (!isPrepared(l)) return l;
        const resourceId = existing.get(l.url.url);
        if (resourceId !== undefined)
          return { line: l.line, url: l.url.original, outcome: 'merged', resourceId };
        const first = firstLine.get(l.url.url);
        if (first !== undefined) {
          return {
            line: l.line,
            url: l.url.original,
            outcome: 'merged',
            reason: `same resource as line ${first}`,
          };
        }
        firstLine.set(l.url.url, l.line);
        return { line: l.line, url: l.url.original, outcome: 'added' };
      });
      return summarise(out);
    },

    async importReports(input, opts) {
      // Over the bridge the list arrives whole (the contract bounds it); it is imported the same way
      // as a file, and the reply lists every line, as the contract says.
      const content = Buffer.from(input.content, 'utf8');
      const lines: ImportLine[] = [];
      const out = await importFrom(
        {
          fileName: input.fileName,
          open: () => Readable.from([content]),
          store: () => ws.blobs.put(content),
        },
        input.defaults ?? {},
        opts,
        { line: (l) => lines.push(l) },
      );
      return { lines, added: out.added, merged: out.merged, rejected: out.rejected };
    },

    importFile: (source, defaults, opts, sink) => importFrom(source, defaults, opts, sink),

    listResources: (q) => ws.db.read((c) => listResources(c, q)),

    async getResource(id, role) {
      const found = await ws.db.read(async (c) => {
        const resource = await getResourceSummary(c, id);
        if (resource === null) throw new AppError('evidence.not-found', `no resource ${id}`);
        return {
          resource,
          reports: await listReports(c, id),
          captures: await listCaptures(c, id, ws.blobs.pathOf),
          decisions: await listDecisions(c, id),
          allowedActions: allowedActions(resource.state, role),
        };
      });
      // Shown as signed: a row edited in the database is flagged, with the manifest's values.
      const checked = await checkedAgainstManifests(ws.blobs, found.captures);
      return { ...found, captures: await withTokenDetails(ws.blobs, checked) };
    },

    async dashboard(role) {
      const today = new Date(ws.clock().toISOString().slice(0, 10) + 'T00:00:00.000Z');
      const days: string[] = [];
      for (let i = 29; i >= 0; i -= 1)
        days.push(new Date(today.getTime() - i * 86_400_000).toISOString().slice(0, 10));
      return ws.db.read(async (c) => {
        const captures = await capturesPerDay(c, days[0] ?? '');
        const decisions = await decisionsPerDay(c, days[0] ?? '');
        return {
          byState: await countByState(c),
          byCategory: await countByCategory(c),
          perDay: days.map((date) => ({
            date,
            captures: captures.get(date) ?? 0,
            decisions: decisions.get(date) ?? 0,
          })),
          waitingForMe: await countInStates(c, AWAITING_ROLE[role]),
        };
      });
    },
  };
}
