import { createHash } from 'node:crypto';
import { setTimeout as pause } from 'node:timers/promises';
import type { AuditRow } from '@shared/contract/methods/custody';
import type { ImportLine } from '@shared/contract/methods/intake';
import type { ResourceState } from '@shared/domain/resources';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { AuditEntry } from '../custody/audit-log';
import { canonicalJson } from '../custody/canonical-json';
import type { WriteConn } from '../db/database';
import { registerBlob } from '../db/repositories/blobs-repo';
import {
  advanceImportJob,
  findOpenImportJob,
  finishImportJob,
  insertImportJob,
  type ImportCounts,
} from '../db/repositories/import-jobs-repo';
import { inSavepoint } from '../db/savepoint';
import type { StoredBlob } from '../store/blob-store';
import type { Workspace } from '../workspace';
import { boundImportHeap } from './heap-bound';
import { echoPrefix, splitLines } from './list-lines';
import { rowToReport, type ReportDefaults, type ReportInput } from './report-file';
import { reportRows } from './report-rows';

/**
 * Lines per write transaction. Each batch is all or nothing and moves the job's `lines_done` in the
 * same transaction, so an interrupted import leaves whole batches and resumes after the last one.
 * Small enough that a batch's objects (its prepared lines, custody rows, statement parameters) die
 * before they outlive two young-generation collections: at 500 they were promoted to the old
 * generation, a few KB a line, and the heap grew with the file until a full collection.
 */
export const IMPORT_BATCH = 200;

/**
 * Pause between batches. The write lock is free only between transactions; another process waiting
 * on it (a `report add` beside the import) polls every few tens of milliseconds, so the importer
 * leaves it a window instead of taking the lock straight back. The window opens once the importer has
 * held the lock for YIELD_EVERY_MS (not after every batch, which cost a sixth of a bulk import's
 * time): a waiting writer gets in within about a third of a second.
 */
const YIELD_MS = 30;
const YIELD_EVERY_MS = 250;

export type ImportSource = Readonly<{
  fileName: string;
  /** A fresh stream of the file's bytes; called once to check and hash it, once to import it. */
  open: () => AsyncIterable<Buffer>;
  /** Keeps the file as received in the blob store. */
  store: () => Promise<StoredBlob>;
}>;

export type ImportProgress = Readonly<
  ImportCounts & { jobId: string; rows: number; rowsDone: number; resumedAfterLine: number }
>;

export type ImportSink = Readonly<{
  /** Each line's outcome, in file order, once its batch is committed. */
  line?: (l: ImportLine) => void;
  progress?: (p: ImportProgress) => void;
}>;

export type ImportSummary = ImportProgress & Readonly<{ sha256: string; fileName: string }>;

/** What the import needs from the intake service: the same checks and writes as `report add`. */
export type ImportHooks<P> = Readonly<{
  prepare: (line: number, input: ReportInput) => Promise<P>;
  urlOf: (p: P) => string;
  writeOne: (
    tx: WriteConn,
    p: P,
    origin: Readonly<Record<string, unknown>>,
  ) => Promise<{
    entries: AuditEntry[];
    resourceId: string;
    merged: boolean;
    state: ResourceState;
    caseNote?: string;
  }>;
  /** The whole batch with a few statements (`writeReportBatch`); `writeOne` is the fallback. */
  writeMany: (
    tx: WriteConn,
    auditMany: (entries: readonly AuditEntry[]) => Promise<AuditRow[]>,
    items: readonly P[],
    origin: Readonly<Record<string, unknown>>,
  ) => Promise<
    readonly { line: number; resourceId: string; merged: boolean; state: ResourceState; caseNote?: string }[]
  >;
  changed: (changed: ReadonlyMap<string, ResourceState>) => void;
}>;

export type ImportRun = Readonly<{
  source: ImportSource;
  defaults: ReportDefaults;
  actor: string;
  /** Everything besides the file that changes what the import stores: a resume must use the same. */
  options: Readonly<Record<string, unknown>>;
  maxFileBytes: number;
  sink?: ImportSink;
}>;

const reasonOf = (error: unknown): string =>
  isAppError(error)
    ? `${error.code}: ${error.message}`
    : `internal.unexpected: the line could not be stored (${error instanceof Error ? error.message : String(error)})`;

/** Reads the whole file once: its hash, and every refusal that concerns the file as a whole. */
async function scan(run: ImportRun): Promise<{ sha256: string; rows: number }> {
  const hash = createHash('sha256');
  const { fileName, open } = run.source;
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of open()) {
      hash.update(chunk);
      yield chunk;
    }
  }
  let rows = 0;
  for await (const _row of reportRows(
    splitLines(hashed(), { fileName, maxFileBytes: run.maxFileBytes }),
    fileName,
  ))
    rows += 1;
  return { sha256: hash.digest('hex'), rows };
}

type Pending<P> = Readonly<
  { line: number; url: string; prepared: P } | { line: number; url: string; rejected: string }
>;

/**
 * Imports a report list as one resumable job (DESIGN §1 intake; issue: imports at scale). The file is
 * streamed twice — checked and hashed, then imported — so memory stays flat in its size; the file's
 * outcome lines go to the sink as batches commit and are not kept.
 */
export async function runImport<P>(
  ws: Workspace,
  hooks: ImportHooks<P>,
  run: ImportRun,
): Promise<ImportSummary> {
  const { fileName } = run.source;
  const { sha256, rows } = await scan(run);
  const blob = await run.source.store();
  if (blob.sha256 !== sha256)
    throw new AppError('intake.bad-file', `${fileName} changed while it was being read; import it again`);
  const options = canonicalJson({ ...run.options, defaults: run.defaults });
  const open = await ws.db.read((c) => findOpenImportJob(c, sha256, options));
  // Progress state, not evidence: named by what it imports and when it started.
  const jobId =
    open?.id ??
    `imp_${createHash('sha256').update(`${sha256}\n${options}\n${ws.clock().toISOString()}`).digest('hex').slice(0, 24)}`;
  const resumedAfterLine = open?.linesDone ?? 0;
  const counts = { added: open?.added ?? 0, merged: open?.merged ?? 0, rejected: open?.rejected ?? 0 };
  await ws.record(async (tx, audit) => {
    const at = ws.clock().toISOString();
    if (open === null) {
      await registerBlob(tx, { sha256: blob.sha256, bytes: blob.bytes }, at);
      await insertImportJob(tx, { id: jobId, sha256, fileName, options, actor: run.actor, startedAt: at });
    }
    await audit({
      actor: run.actor,
      action: open === null ? 'reports.import-started' : 'reports.import-resumed',
      subject: `import:${sha256}`,
      details: { fileName, sha256, bytes: blob.bytes, lines: rows, job: jobId, afterLine: resumedAfterLine },
    });
  });
  const progress = (): ImportProgress => ({
    ...counts,
    jobId,
    rows,
    rowsDone: counts.added + counts.merged + counts.rejected,
    resumedAfterLine,
  });
  const origin = { sha256, fileName };
  let batch: Pending<P>[] = [];
  let lastYield = performance.now();
  // Memory flat in the file's size: the dead batches V8 moved to its old generation are collected
  // every few thousand lines instead of piling up until the engine's own, size-dependent limit.
  const heap = boundImportHeap();
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const out = await writeBatch(ws, hooks, { batch, jobId, actor: run.actor, origin, counts });
    Object.assign(counts, out.counts);
    for (const l of out.lines) run.sink?.line?.(l);
    hooks.changed(out.changed);
    run.sink?.progress?.(progress());
    batch = [];
    heap.settle();
    // Scheduling only, never recorded: the wall clock is fine here.
    if (performance.now() - lastYield >= YIELD_EVERY_MS) {
      await pause(YIELD_MS);
      lastYield = performance.now();
    }
  };
  const lines = splitLines(run.source.open(), { fileName, maxFileBytes: run.maxFileBytes });
  for await (const row of reportRows(lines, fileName)) {
    if (row.line <= resumedAfterLine) continue;
    const url = echoPrefix(row.values.url ?? '');
    const fields = rowToReport(row, run.defaults);
    if (!fields.ok) batch.push({ line: row.line, url, rejected: fields.reason });
    else {
      try {
        batch.push({ line: row.line, url, prepared: await hooks.prepare(row.line, fields.report) });
      } catch (error) {
        batch.push({ line: row.line, url, rejected: reasonOf(error) });
      }
    }
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  await ws.record(async (tx, audit) => {
    await finishImportJob(tx, jobId, ws.clock().toISOString());
    await audit({
      actor: run.actor,
      action: 'reports.imported',
      subject: `import:${sha256}`,
      details: { fileName, sha256, job: jobId, ...counts },
    });
  });
  return { ...progress(), sha256, fileName };
}

type BatchArgs<P> = Readonly<{
  batch: readonly Pending<P>[];
  jobId: string;
  actor: string;
  origin: Readonly<Record<string, unknown>>;
  counts: ImportCounts;
}>;
type BatchOut = { lines: ImportLine[]; counts: ImportCounts; changed: Map<string, ResourceState> };

/**
 * One batch in one transaction: its reports, their custody rows and the job's new position. The
 * fast path writes the batch with a few statements; if the database refuses it (a line it will not
 * take), the batch is written again line by line, each in a savepoint, so only that line is refused.
 * A store error (full disk, damaged file) is not retried: the import stops, resumable.
 */
async function writeBatch<P>(ws: Workspace, hooks: ImportHooks<P>, b: BatchArgs<P>): Promise<BatchOut> {
  try {
    return await ws.record(async (tx, _audit, auditMany) => {
      const items: P[] = [];
      const urls = new Map<number, string>();
      for (const p of b.batch)
        if ('prepared' in p) {
          items.push(p.prepared);
          urls.set(p.line, hooks.urlOf(p.prepared));
        }
      const written = new Map(
        (await hooks.writeMany(tx, auditMany, items, b.origin)).map((w) => [w.line, w]),
      );
      const lines: ImportLine[] = [];
      const changed = new Map<string, ResourceState>();
      const counts = { ...b.counts };
      for (const p of b.batch) {
        const w = written.get(p.line);
        if ('rejected' in p || w === undefined) {
          counts.rejected += 1;
          lines.push({
            line: p.line,
            url: p.url,
            outcome: 'rejected',
            reason: 'rejected' in p ? p.rejected : 'internal.unexpected: not written',
          });
          continue;
        }
        changed.set(w.resourceId, w.state);
        counts[w.merged ? 'merged' : 'added'] += 1;
        lines.push({
          line: p.line,
          url: urls.get(p.line) ?? p.url,
          outcome: w.merged ? 'merged' : 'added',
          resourceId: w.resourceId,
          ...(w.caseNote === undefined ? {} : { reason: w.caseNote }),
        });
      }
      const last = b.batch.at(-1);
      if (last !== undefined) await advanceImportJob(tx, b.jobId, last.line, counts);
      return { lines, counts, changed };
    });
  } catch (error) {
    if (isAppError(error)) throw error;
    return writeBatchByLine(ws, hooks, b);
  }
}

async function writeBatchByLine<P>(ws: Workspace, hooks: ImportHooks<P>, b: BatchArgs<P>): Promise<BatchOut> {
  return ws.record(async (tx, audit) => {
    const lines: ImportLine[] = [];
    const changed = new Map<string, ResourceState>();
    const counts = { ...b.counts };
    const entries: AuditEntry[] = [];
    for (const p of b.batch) {
      if ('rejected' in p) {
        lines.push({ line: p.line, url: p.url, outcome: 'rejected', reason: p.rejected });
        counts.rejected += 1;
        continue;
      }
      try {
        // A savepoint per line: a line the database refuses is undone alone, the others stay.
        const w = await inSavepoint(tx, 'import_line', () =>
          hooks.writeOne(tx, p.prepared, { ...b.origin, line: p.line }),
        );
        entries.push(...w.entries);
        changed.set(w.resourceId, w.state);
        counts[w.merged ? 'merged' : 'added'] += 1;
        lines.push({
          line: p.line,
          url: hooks.urlOf(p.prepared),
          outcome: w.merged ? 'merged' : 'added',
          resourceId: w.resourceId,
          ...(w.caseNote === undefined ? {} : { reason: w.caseNote }),
        });
      } catch (error) {
        counts.rejected += 1;
        lines.push({ line: p.line, url: p.url, outcome: 'rejected', reason: reasonOf(error) });
      }
    }
    for (const entry of entries) await audit(entry);
    const last = b.batch.at(-1);
    if (last !== undefined) await advanceImportJob(tx, b.jobId, last.line, counts);
    return { lines, counts, changed };
  });
}
