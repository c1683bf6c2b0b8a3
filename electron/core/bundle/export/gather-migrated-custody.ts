import { X509Certificate } from 'node:crypto';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { AuditRow } from '@shared/contract/methods/custody';
import { AppError } from '@shared/errors/app-error';
import { SignedHead } from '@core/custody/audit-head';
import { auditRowsOfAction, toRow } from '@core/custody/audit-log';
import { keyIdOf } from '@core/custody/signing';
import type { ReadConn } from '@core/db/database';
import type { StoredAuditRow } from '@core/db/repositories/audit-repo';
import { trustHistory } from '@core/db/repositories/trust-repo';
import type { Workspace } from '@core/workspace';
import type { Gathered, GatheredInDb } from './gather-selection';

/**
 * The custody a workstation kept of evidence before `vigil migrate-to-server` moved it into this
 * team server. Those rows never enter the server's chain: they stay in the content-addressed archive
 * that the server's own `workspace.migrated` row anchors (with the workstation's signed head). A
 * bundle of migrated evidence carries, beside the server's rows, the archived rows of the same
 * subjects, that signed head and the workstation's key, so the history before the move is not lost
 * to a court.
 */
export type MigratedCustody = Readonly<{
  keyId: string;
  publicKeyPem: string;
  /** The workstation's CA, trusted as an origin since the migration; its reviewers chain to it. */
  caPem: string | null;
  head: SignedHead;
  /** The server's `workspace.migrated` row. */
  anchor: AuditRow;
  rows: readonly AuditRow[];
}>;

const AnchorDetails = z.object({
  auditArchiveSha256: z.string().regex(/^[0-9a-f]{64}$/),
  caSha256: z.string(),
  sourceHead: z.unknown(),
  workstationCertificateBlob: z.string().optional(),
});

/** The archived rows whose subject is one of `subjects`, read line by line (the archive can be large). */
async function archivedRowsOf(
  ws: Workspace,
  archiveSha256: string,
  subjects: ReadonlySet<string>,
): Promise<AuditRow[]> {
  const rows: AuditRow[] = [];
  const lines = createInterface({ input: ws.blobs.open(archiveSha256), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const row = JSON.parse(line) as StoredAuditRow;
    if (subjects.has(row.subject)) rows.push(toRow(row));
  }
  return rows;
}

async function caPemOf(conn: ReadConn, caSha256: string): Promise<string | null> {
  const rows = await trustHistory(conn);
  return rows.find((r) => r.certificateSha256 === caSha256)?.certificatePem ?? null;
}

/** What one migration's archive holds of the subjects, or null when it holds nothing of them. */
async function migratedCustodyOf(
  ws: Workspace,
  anchor: AuditRow,
  subjects: ReadonlySet<string>,
): Promise<MigratedCustody | null> {
  const details = AnchorDetails.parse(anchor.details);
  const rows = await archivedRowsOf(ws, details.auditArchiveSha256, subjects);
  if (rows.length === 0) return null;
  const head = SignedHead.safeParse(details.sourceHead);
  if (!head.success || details.workstationCertificateBlob === undefined)
    // Never a bundle that silently drops the workstation's history of its evidence.
    throw new AppError(
      'custody.key-missing',
      `custody event ${anchor.seq} (workspace.migrated) does not keep the workstation's signed head and certificate; its custody rows cannot be bundled`,
    );
  const certificatePem = (await ws.blobs.read(details.workstationCertificateBlob)).toString('utf8');
  const publicKeyPem = new X509Certificate(certificatePem).publicKey
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return {
    keyId: keyIdOf(publicKeyPem),
    publicKeyPem,
    caPem: await ws.db.read((c) => caPemOf(c, details.caSha256)),
    head: head.data,
    anchor,
    rows,
  };
}

/** The custody of these subjects kept by every workstation migrated into this server. */
export async function gatherMigratedCustody(
  ws: Workspace,
  subjects: readonly string[],
): Promise<MigratedCustody[]> {
  const anchors = await ws.db.read((c) => auditRowsOfAction(c, 'workspace.migrated'));
  const wanted = new Set(subjects);
  const out: MigratedCustody[] = [];
  for (const anchor of anchors) {
    const found = await migratedCustodyOf(ws, anchor, wanted);
    if (found !== null) out.push(found);
  }
  return out;
}

/**
 * The selection with the custody its workstations kept before migration; each migration's
 * `workspace.migrated` row joins the server's rows, since it is what anchors the archived ones.
 */
export async function withMigratedCustody(ws: Workspace, g: GatheredInDb): Promise<Gathered> {
  const migrated = await gatherMigratedCustody(ws, g.subjects);
  const seqs = new Set(g.custody.map((r) => r.seq));
  const anchors = migrated.map((m) => m.anchor).filter((a) => !seqs.has(a.seq));
  const custody = [...g.custody, ...anchors].sort((a, b) => a.seq - b.seq);
  return { ...g, custody, migrated };
}
