import type { AuditRow } from '@shared/contract/methods/custody';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionRecord } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import type { AuditEntry } from '@core/custody/audit-log';
import { sha256Hex } from '@core/custody/signing';
import type { WriteConn } from '@core/db/database';
import { registerBlob } from '@core/db/repositories/blobs-repo';
import { insertCapture } from '@core/db/repositories/captures-repo';
import { findCaseByRef } from '@core/db/repositories/cases-repo';
import {
  captureExists,
  decisionExists,
  insertImportedCase,
  insertImportedDecision,
  insertImportedResource,
  localResourceId,
  noteImportedCapture,
} from '@core/db/repositories/imports-repo';
import { insertDecisionOrigin } from '@core/db/repositories/trust-repo';
import type { Workspace } from '@core/workspace';
import { captureDir, type BundleManifest } from '../bundle-format';
import type { DecisionOriginOf } from './import-anchors';

type StoredBlob = Readonly<{ sha256: string; bytes: number }>;

/** What the records stage needs of the bundle, read again and checked against the verified SHA256SUMS. */
export type ReadAgain = Readonly<{
  manifest: BundleManifest;
  sumsBytes: Buffer;
  /** Structural files (manifest, sums, custody, keys, decisions, capture signatures) by path. */
  small: ReadonlyMap<string, Buffer>;
  /** Evidence files put in the blob store, by path. */
  stored: ReadonlyMap<string, StoredBlob>;
  /** manifest.json and custody.jsonl, kept as blobs. */
  kept: readonly StoredBlob[];
}>;

export type ImportCounts = Readonly<{ resources: number; captures: number; decisions: number }>;

/** One import inside `workspace.record()`: the transaction, its audit recorder, and what is imported. */
type Step = Readonly<{
  ws: Workspace;
  tx: WriteConn;
  audit: (entry: AuditEntry) => Promise<AuditRow>;
  bundle: ReadAgain;
  actor: string;
  at: string;
  /** The exporting workstation's key id. */
  origin: string;
  /** The other unit a decision was made by; null for our own. */
  originOf: DecisionOriginOf;
}>;

/** The bundle's case: the one here with its ref, else a new one. */
async function importCase(s: Step): Promise<string | null> {
  const c = s.bundle.manifest.case;
  if (c === null) return null;
  const existing = await findCaseByRef(s.tx, c.ref);
  if (existing !== null) return existing;
  const caseId = s.ws.ids('CaseId');
  await insertImportedCase(
    s.tx,
    { id: caseId, ref: c.ref, title: c.title, language: c.language },
    s.at,
    s.actor,
  );
  await s.audit({
    actor: s.actor,
    action: 'case.created',
    subject: `case:${caseId}`,
    details: { ref: c.ref, via: 'import', origin: s.origin },
  });
  return caseId;
}

/** New resources; returns each bundled resource id → its id here, and how many were added. */
async function importResources(
  s: Step,
  caseId: string | null,
): Promise<{ localId: Map<string, string>; added: number }> {
  const { manifest } = s.bundle;
  // A resource already here under another id (same URL) keeps its local id; imported rows point to it.
  const localId = new Map<string, string>();
  let added = 0;
  for (const r of manifest.resources) {
    const known = await localResourceId(s.tx, r.id, r.url);
    if (known !== null) {
      localId.set(r.id, known);
      continue;
    }
    const caseOf = r.caseRef !== null && r.caseRef === manifest.case?.ref ? caseId : null;
    await insertImportedResource(
      s.tx,
      { id: r.id, caseId: caseOf, url: r.url, displayUrl: r.displayUrl, host: r.host, state: r.state },
      s.at,
    );
    localId.set(r.id, r.id);
    added += 1;
    await s.audit({
      actor: s.actor,
      action: 'resource.imported',
      subject: `resource:${r.id}`,
      details: { url: r.url, state: r.state, origin: s.origin },
    });
  }
  return { localId, added };
}

/** New captures with their artifacts' blobs, marked with the workstation they came from. */
async function importCaptures(s: Step, localId: ReadonlyMap<string, string>): Promise<number> {
  let added = 0;
  for (const record of s.bundle.manifest.captures) {
    if (await captureExists(s.tx, record.id)) continue;
    const resourceId = localId.get(record.resourceId) ?? record.resourceId;
    const dir = captureDir(record.id);
    for (const a of record.artifacts) {
      const blob = s.bundle.stored.get(`${dir}/${a.name}`);
      if (blob === undefined || blob.sha256 !== a.sha256)
        throw new AppError('bundle.invalid', `${dir}/${a.name} is not in the bundle as its record says`);
      await registerBlob(s.tx, blob, s.at);
    }
    const local: CaptureRecord = {
      ...record,
      resourceId: resourceId as CaptureRecord['resourceId'],
      origin: { workstationKeyId: s.origin, importedAt: s.at },
    };
    await insertCapture(s.tx, local, s.at, s.origin);
    await noteImportedCapture(s.tx, resourceId, record.finishedAt);
    added += 1;
    await s.audit({
      actor: s.actor,
      action: 'capture.imported',
      subject: `capture:${record.id}`,
      details: {
        resourceId,
        manifestSha256: record.manifestSha256,
        origin: s.origin,
        signedBy: record.signature.keyId,
      },
    });
  }
  return added;
}

/** New decisions, stored as their exact signed text. */
async function importDecisions(s: Step, localId: ReadonlyMap<string, string>): Promise<number> {
  let added = 0;
  for (const d of s.bundle.manifest.decisions) {
    if (await decisionExists(s.tx, d.id)) continue;
    const raw = s.bundle.small.get(d.file);
    if (raw === undefined) throw new AppError('bundle.invalid', `${d.file} is missing`);
    const record = DecisionRecord.parse(JSON.parse(raw.toString('utf8')));
    const resourceId = localId.get(record.resourceId) ?? record.resourceId;
    const supersedes =
      record.supersedes !== null && (await decisionExists(s.tx, record.supersedes))
        ? record.supersedes
        : null;
    await insertImportedDecision(s.tx, record, resourceId, supersedes, raw.toString('utf8'));
    // Another unit's decision stays theirs: named by its unit, kept out of our block list.
    const unit = s.originOf(record);
    if (unit !== null) await insertDecisionOrigin(s.tx, { decisionId: record.id, ...unit, importedAt: s.at });
    added += 1;
    await s.audit({
      actor: s.actor,
      action: 'decision.imported',
      subject: `decision:${record.id}`,
      details: {
        resourceId,
        reviewer: record.reviewer.name,
        decision: record.fields.decision,
        origin: s.origin,
        unit: unit?.unit ?? null,
      },
    });
  }
  return added;
}

/**
 * Adds what the bundle holds and this data dir does not, in one transaction with its custody rows:
 * the kept blobs, the case, resources, captures and decisions, then one row for the import itself.
 */
export async function importRecords(
  ws: Workspace,
  bundle: ReadAgain,
  meta: Readonly<{ path: string; actor: string; at: string; originOf: DecisionOriginOf }>,
): Promise<ImportCounts> {
  const origin = bundle.manifest.workstation.keyId;
  return ws.record(async (tx, audit) => {
    const s: Step = {
      ws,
      tx,
      audit,
      bundle,
      actor: meta.actor,
      at: meta.at,
      origin,
      originOf: meta.originOf,
    };
    for (const blob of bundle.kept) await registerBlob(tx, blob, meta.at);
    const caseId = await importCase(s);
    const { localId, added: resources } = await importResources(s, caseId);
    const captures = await importCaptures(s, localId);
    const decisions = await importDecisions(s, localId);
    await audit({
      actor: meta.actor,
      action: 'bundle.imported',
      subject: `bundle:${sha256Hex(bundle.sumsBytes)}`,
      details: {
        path: meta.path,
        origin,
        exportedAt: bundle.manifest.exportedAt,
        resources,
        captures,
        decisions,
        manifestSha256: bundle.kept[0]?.sha256 ?? null,
        custodySha256: bundle.kept[1]?.sha256 ?? null,
      },
    });
    return { resources, captures, decisions };
  });
}
