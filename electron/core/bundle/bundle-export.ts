import { dirname } from 'node:path';
import { AppError, errorMessage } from '@shared/errors/app-error';
import { sha256Hex } from '../custody/signing';
import type { Workspace } from '../workspace';
import { withMigratedCustody } from './export/gather-migrated-custody';
import { gatherSelection, type BundleSelection, type Gathered } from './export/gather-selection';
import { planContents, type BundleExtras } from './export/plan-contents';
import type { Planned } from './export/planned-file';
import { sealBundle } from './export/seal-bundle';
import { writeBundleAtomically } from './export/atomic-write';
import { sweepPartials } from './export/partial-sweep';
import { assertCapturesIntact, assertCustodyVerifies, assertExportTarget } from './export/export-guards';
import type { BundleEntry, WriteResult } from './zip-writer';

export type { BundleExtras } from './export/plan-contents';
export type { BundleSelection } from './export/gather-selection';

export type ExportOptions = Readonly<{
  selection: BundleSelection;
  outPath: string;
  asDirectory: boolean;
  actor: string;
  /** The TSA that time-stamps SHA256SUMS; null leaves the bundle without SHA256SUMS.tsr. */
  tsaUrl: string | null;
  tsaTimeoutMs?: number;
  extras?: BundleExtras;
  /** Stops the export (nothing is left at outPath) when its client goes away or its deadline passes. */
  signal?: AbortSignal;
}>;

export type ExportResult = Readonly<{ path: string; sha256: string | null; files: number; bytes: number }>;

async function writeBundle(
  opts: ExportOptions,
  entries: readonly Planned[],
  exportedAt: Date,
): Promise<WriteResult> {
  const bundleEntries: BundleEntry[] = entries.map((e) => ({
    name: e.path,
    bytes: e.bytes,
    sha256: e.sha256,
    open: e.open,
  }));
  try {
    return await writeBundleAtomically(opts.outPath, bundleEntries, {
      asDirectory: opts.asDirectory,
      modifiedAt: exportedAt,
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('bundle.write-failed', `cannot write ${opts.outPath}: ${errorMessage(error)}`);
  }
}

async function recordExport(
  ws: Workspace,
  opts: ExportOptions,
  g: Gathered,
  sums: Buffer,
  result: WriteResult,
  swept: readonly string[],
): Promise<void> {
  await ws.record((_tx, audit) =>
    audit({
      actor: opts.actor,
      action: 'bundle.exported',
      subject: `bundle:${result.sha256 ?? sha256Hex(sums)}`,
      details: {
        path: opts.outPath,
        format: opts.asDirectory ? 'directory' : 'zip',
        sha256: result.sha256,
        sumsSha256: sha256Hex(sums),
        files: result.files,
        bytes: result.bytes,
        caseRef: g.caseRow?.ref ?? null,
        resources: g.resources.map((r) => r.id),
        captures: g.captures.map((c) => c.id),
        decisions: g.decisions.map((d) => d.id),
        timestamped: opts.tsaUrl !== null,
        // Leftovers of earlier exports killed while writing into this folder, removed before this one.
        sweptPartials: [...swept],
      },
    }),
  );
}

/**
 * Exports the selection as a court bundle (DESIGN §8). Everything small is prepared in memory; the
 * evidence files stream from the blob store into the ZIP (or folder) and are re-hashed on the way, so a
 * blob altered on disk aborts the export instead of being shipped under its old hash.
 */
export async function exportBundle(ws: Workspace, opts: ExportOptions): Promise<ExportResult> {
  const exportedAt = ws.clock();
  assertExportTarget(ws, opts.outPath);
  await assertCustodyVerifies(ws);
  const selected = await ws.db.read((c) => gatherSelection(c, opts.selection, ws.blobs.pathOf));
  const g = await withMigratedCustody(ws, selected);
  await assertCapturesIntact(ws, g);
  const contents = await planContents(ws, g, opts.extras);
  const sealed = await sealBundle(ws, g, contents, {
    at: exportedAt.toISOString(),
    tsaUrl: opts.tsaUrl,
    tsaTimeoutMs: opts.tsaTimeoutMs ?? 15_000,
  });
  const swept = await sweepPartials(dirname(opts.outPath));
  const result = await writeBundle(opts, sealed.entries, exportedAt);
  await recordExport(ws, opts, g, sealed.sums, result, swept);
  return { path: opts.outPath, sha256: result.sha256, files: result.files, bytes: result.bytes };
}
