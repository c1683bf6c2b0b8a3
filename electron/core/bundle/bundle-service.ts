import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BundleVerifyReport } from '@shared/contract/methods/bundle';
import { AppError } from '@shared/errors/app-error';
import { stampHeadForExport } from '../custody/head-timestamps';
import { latestDecision } from '../db/repositories/decisions-repo';
import { newestPacketOf, signedPacketOf } from '../db/repositories/packets-repo';
import { decisionOrigins } from '../db/repositories/trust-repo';
import { toDsaStatement } from '../review/dsa-export';
import type { SettingsService } from '../settings/settings-service';
import type { Workspace } from '../workspace';
import { exportBundle, type BundleExtras, type BundleSelection, type ExportResult } from './bundle-export';
import { importBundle, type ImportResult } from './bundle-import';
import { verifyBundle } from './bundle-verify';
import type { VerifyAnchors } from './verify/anchors';

/** The decision's DSA statement and the resource's packet (of record when signed), as the review area stores them. */
export function reviewExtras(ws: Workspace): BundleExtras {
  return {
    dsaOf: (record, captures) => {
      if (record.fields.decision !== 'approve') return undefined;
      const relied = new Set(record.captures.map((c) => c.id));
      const first = captures
        .filter((c) => relied.has(c.id))
        .map((c) => c.startedAt)
        .sort()[0];
      return first === undefined ? undefined : toDsaStatement(record, { firstCapturedAt: first });
    },
    // The signed packet of the latest decision; without one, the newest rendering of that decision
    // (a copy, watermarked as such) or, before any decision, the newest draft. Never an older decision's.
    packetOf: async (resourceId) => {
      const row = await ws.db.read(async (c) => {
        const decision = await latestDecision(c, resourceId);
        if (decision === null) return newestPacketOf(c, resourceId, null);
        return (await signedPacketOf(c, decision.id)) ?? (await newestPacketOf(c, resourceId, decision.id));
      });
      return row === null ? null : { sha256: row.sha256, bytes: row.bytes };
    },
    packetOfRecord: async (decisionId) =>
      (await ws.db.read((c) => signedPacketOf(c, decisionId)))?.sha256 ?? null,
    originOf: async (decisionId) => {
      const origin = (await ws.db.read((c) => decisionOrigins(c))).get(decisionId);
      return origin === undefined ? null : { unit: origin.unit, caSha256: origin.caSha256 };
    },
  };
}

export type BundleService = Readonly<{
  export: (
    selection: BundleSelection,
    opts: Readonly<{ outPath?: string; asDirectory: boolean; actor: string; signal?: AbortSignal }>,
  ) => Promise<ExportResult>;
  /** `signal`: stops the operation when its client goes away or its deadline passes (wire calls). */
  verify: (
    path: string,
    actor: string,
    signal?: AbortSignal,
    anchors?: VerifyAnchors,
  ) => Promise<BundleVerifyReport>;
  import: (
    path: string,
    actor: string,
    signal?: AbortSignal,
    anchors?: VerifyAnchors,
  ) => Promise<ImportResult>;
}>;

export function createBundleService(ws: Workspace, settings: SettingsService): BundleService {
  return {
    async export(selection, opts) {
      if (
        (selection.caseRef === undefined) ===
        (selection.resourceIds === undefined || selection.resourceIds.length === 0)
      )
        throw new AppError('input.invalid', 'name either a case or one or more resources to export');
      const stamp = ws.clock().toISOString().replace(/[:.]/g, '-');
      const outPath =
        opts.outPath ??
        join(
          ws.paths.exports,
          `${(selection.caseRef ?? 'bundle').replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}${opts.asDirectory ? '' : '.zip'}`,
        );
      if (existsSync(outPath))
        throw new AppError('bundle.write-failed', `${outPath} already exists; nothing is overwritten`);
      // The custody log's head is time-stamped at every export, so the bundle carries the token.
      await stampHeadForExport(ws, settings, opts.actor);
      return exportBundle(ws, {
        selection,
        outPath,
        asDirectory: opts.asDirectory,
        actor: opts.actor,
        tsaUrl: (await settings.get()).tsaUrl,
        extras: reviewExtras(ws),
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      });
    },
    async verify(path, actor, signal, anchors) {
      const report = await verifyBundle(path, anchors, signal);
      await ws.record((_tx, audit) =>
        audit({
          actor,
          action: 'bundle.verified',
          subject: `bundle-file:${path}`,
          details: {
            ok: report.ok,
            checks: report.checks.length,
            anchoredTo: report.anchoredTo ?? null,
            failed: report.checks
              .filter((c) => !c.ok)
              .map((c) => `${c.check} ${c.file ?? '-'}`)
              .slice(0, 50),
          },
        }),
      );
      return report;
    },
    import: (path, actor, signal, anchors) => importBundle(ws, path, actor, signal, anchors),
  };
}
