import { X509Certificate, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { DecisionRecord } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import { canonicalJson } from '@core/custody/canonical-json';
import { keyIdOf } from '@core/custody/signing';
import { inspectTimestampToken } from '@core/custody/tsa-client';
import { bundleCas } from '@core/custody/org-ca';
import { pemBlocks } from '@core/custody/x509';
import type { ExportUser } from '@core/db/repositories/exports-repo';
import { queryOfToken } from '@core/db/repositories/time-stamps-repo';
import { workerByKeyId } from '@core/db/repositories/workers-repo';
import type { Workspace } from '@core/workspace';
import {
  CAPTURE_QUERY_NAME,
  CAPTURE_SIGNATURE_NAME,
  NAMES,
  captureDir,
  decisionFile,
  dsaFile,
  foreignWorkstationKey,
  migratedCustodyFile,
  migratedHeadFile,
  packetFile,
  userCertFile,
  userKeyFile,
  type BundleManifest,
} from '../bundle-format';
import { CRL_FILE } from '../verify/revocation-check';
import { compareNames } from '../zip-writer';
import type { Gathered } from './gather-selection';
import { planHeadTimestamps } from './plan-head-timestamps';
import { fromBuffer, json, text, type Planned } from './planned-file';

/**
 * Optional parts produced by other areas (the review packet, the DSA form of a decision). A bundle
 * without them is still complete and verifiable; with them, their files are listed and signed too.
 */
export type BundleExtras = Readonly<{
  /** The DSA statement of a decision; undefined when it has none (only approvals do). */
  dsaOf?: (record: DecisionRecord, captures: readonly CaptureRecord[]) => unknown;
  /** The stored packet PDF of a resource (a blob), or null when none was rendered. */
  packetOf?: (resourceId: string) => Promise<Readonly<{ sha256: string; bytes: number }> | null>;
  /** The sha256 of a decision's packet of record (the one its reviewer signed), or null when none. */
  packetOfRecord?: (decisionId: string) => Promise<string | null>;
  /** The other unit a decision was imported from; null for our own. */
  originOf?: (decisionId: string) => Promise<Readonly<{ unit: string; caSha256: string }> | null>;
}>;

/** Every file of the bundle except those computed over the others (tsa/*.pem, README, manifest, sums). */
export type Contents = Readonly<{
  planned: readonly Planned[];
  /** The certificates the capture tokens carry, for tsa/*.pem. */
  tokenCerts: readonly string[];
  /** Capture records as the manifest lists them, artifact paths relative to the bundle root. */
  captures: readonly CaptureRecord[];
  decisions: BundleManifest['decisions'];
  users: BundleManifest['users'];
  packets: BundleManifest['packets'];
  migrated: NonNullable<BundleManifest['custody']['migrated']>;
}>;

export const fingerprint = (pem: string): string =>
  new X509Certificate(pemBlocks(pem)[0]?.der ?? Buffer.alloc(0)).fingerprint256
    .replace(/:/g, '')
    .toLowerCase();

/** The public key of a team server's capture worker, or of a workstation whose capture came in through an import. */
async function foreignKeyPem(ws: Workspace, g: Gathered, capture: CaptureRecord): Promise<string> {
  // A migrated workstation's capture: its key came with the migration.
  const migrated = g.migrated.find((m) => m.keyId === capture.signature.keyId);
  if (migrated !== undefined) return migrated.publicKeyPem;
  // A worker's capture is signed with the key it was registered with (`vigil worker add`).
  const worker = await ws.db.read((c) => workerByKeyId(c, capture.signature.keyId));
  if (worker !== null) return worker.publicKeyPem;
  // An imported capture keeps its original signature; its workstation key came with the import.
  const stored = join(ws.paths.keys, 'imported', `${capture.signature.keyId}.pub.pem`);
  if (!existsSync(stored))
    throw new AppError(
      'custody.key-missing',
      `capture ${capture.id} was signed by workstation key ${capture.signature.keyId}, which this data dir does not hold`,
    );
  return readFile(stored, 'utf8');
}

/** Each capture's artifacts (streamed from the blob store) and signature; other workstations' keys. */
async function planCaptures(ws: Workspace, g: Gathered, planned: Planned[], tokenCerts: string[]) {
  const foreignKeys = new Map<string, string>();
  const captures: CaptureRecord[] = [];
  for (const capture of g.captures) {
    const dir = captureDir(capture.id);
    for (const a of capture.artifacts) {
      planned.push({
        path: `${dir}/${a.name}`,
        bytes: a.bytes,
        sha256: a.sha256,
        open: () => ws.blobs.open(a.sha256),
      });
      if (a.kind === 'timestamp-token') {
        const token = await ws.blobs.read(a.sha256);
        tokenCerts.push(...inspectTimestampToken(token).certificatesPem);
        // The query beside the token lets a verifier recheck its nonce (RFC 3161 §2.4.2); tokens
        // granted before queries were kept have none.
        const query = await ws.db.read((c) => queryOfToken(c, a.sha256));
        if (query !== null) {
          const bytes = await ws.blobs.read(query);
          planned.push(fromBuffer(`${dir}/${CAPTURE_QUERY_NAME}`, bytes));
        }
      }
    }
    planned.push(
      fromBuffer(`${dir}/${CAPTURE_SIGNATURE_NAME}`, Buffer.from(capture.signature.value, 'base64')),
    );
    if (capture.signature.keyId !== ws.workstation.keyId && !foreignKeys.has(capture.signature.keyId))
      foreignKeys.set(capture.signature.keyId, await foreignKeyPem(ws, g, capture));
    captures.push({
      ...capture,
      artifacts: capture.artifacts.map((a) => ({ ...a, path: `${dir}/${a.name}` })),
    });
  }
  for (const [keyId, pem] of foreignKeys) planned.push(fromBuffer(foreignWorkstationKey(keyId), text(pem)));
  return captures;
}

/** Each decision record, its DSA statement when it has one, and the hash of its signed packet. */
async function planDecisions(g: Gathered, extras: BundleExtras | undefined, planned: Planned[]) {
  const decisions: BundleManifest['decisions'] = [];
  for (const d of g.decisions) {
    planned.push(fromBuffer(decisionFile(d.id), json(d)));
    const dsa = extras?.dsaOf?.(d, g.captures);
    if (dsa !== undefined) planned.push(fromBuffer(dsaFile(d.id), json(dsa)));
    decisions.push({
      id: d.id,
      resourceId: d.resourceId,
      decision: d.fields.decision,
      reviewer: d.reviewer.name,
      signedAt: d.signedAt,
      file: decisionFile(d.id),
      dsa: dsa === undefined ? null : dsaFile(d.id),
      // Named so that a verifier can tell the packet of record from a copy put in its place.
      packetSha256: (await extras?.packetOfRecord?.(d.id)) ?? null,
      origin: (await extras?.originOf?.(d.id)) ?? null,
    });
  }
  return decisions;
}

/** Reviewer certificates and keys: from the users table, else kept from an earlier import. */
async function planReviewers(ws: Workspace, g: Gathered, planned: Planned[]) {
  const userPems = new Map<string, ExportUser>(g.users.map((u) => [fingerprint(u.certificatePem), u]));
  for (const d of g.decisions) {
    if (userPems.has(d.reviewer.certificateSha256)) continue;
    const stored = join(ws.paths.keys, 'imported', 'users', `${d.reviewer.certificateSha256}.crt.pem`);
    if (!existsSync(stored))
      throw new AppError(
        'custody.key-missing',
        `no certificate of reviewer ${d.reviewer.name} for decision ${d.id}`,
      );
    const certificatePem = await readFile(stored, 'utf8');
    const publicKeyPem = createPublicKey(certificatePem).export({ type: 'spki', format: 'pem' }).toString();
    userPems.set(d.reviewer.certificateSha256, { name: d.reviewer.name, certificatePem, publicKeyPem });
  }
  const users: BundleManifest['users'] = [];
  for (const [certificateSha256, u] of [...userPems.entries()].sort(([a], [b]) => compareNames(a, b))) {
    planned.push(fromBuffer(userCertFile(certificateSha256), text(u.certificatePem)));
    planned.push(fromBuffer(userKeyFile(certificateSha256), text(u.publicKeyPem)));
    users.push({
      name: u.name,
      certificateSha256,
      keyId: keyIdOf(u.publicKeyPem),
      certificate: userCertFile(certificateSha256),
      publicKey: userKeyFile(certificateSha256),
    });
  }
  return users;
}

/** The review packet of each resource that `extras.packetOf` chooses, streamed from the blob store. */
async function planPackets(ws: Workspace, g: Gathered, extras: BundleExtras | undefined, planned: Planned[]) {
  const packets: BundleManifest['packets'] = [];
  if (extras?.packetOf === undefined) return packets;
  for (const r of g.resources) {
    const packet = await extras.packetOf(r.id);
    if (packet === null) continue;
    planned.push({
      path: packetFile(r.id),
      bytes: packet.bytes,
      sha256: packet.sha256,
      open: () => ws.blobs.open(packet.sha256),
    });
    packets.push({ resourceId: r.id, file: packetFile(r.id) });
  }
  return packets;
}

const jsonLines = (rows: readonly unknown[]): Buffer =>
  text(rows.map((row) => `${canonicalJson(row)}\n`).join(''));

/**
 * The custody migrated workstations kept of the subjects: their rows, signed head and key, and their
 * CA (their reviewers' certificates chain to it). Listed in the manifest with the anchoring row.
 */
function planMigratedCustody(g: Gathered, planned: Planned[]): Contents['migrated'] {
  const planning = new Set(planned.map((p) => p.path));
  return g.migrated.map((m) => {
    const publicKey = foreignWorkstationKey(m.keyId);
    if (!planning.has(publicKey)) planned.push(fromBuffer(publicKey, text(m.publicKeyPem)));
    planned.push(fromBuffer(migratedCustodyFile(m.keyId), jsonLines(m.rows)));
    planned.push(fromBuffer(migratedHeadFile(m.keyId), json(m.head)));
    return {
      workstationKeyId: m.keyId,
      file: migratedCustodyFile(m.keyId),
      rows: m.rows.length,
      head: migratedHeadFile(m.keyId),
      publicKey,
      anchorSeq: m.anchor.seq,
    };
  });
}

/** custody.jsonl, this workstation's key, certificate and CA, and the CAs of imported evidence. */
async function planCustodyAndKeys(ws: Workspace, g: Gathered, planned: Planned[]): Promise<void> {
  planned.push(fromBuffer(NAMES.custody, jsonLines(g.custody)));
  planned.push(fromBuffer(NAMES.workstationPub, text(ws.workstation.publicKeyPem)));
  planned.push(fromBuffer(NAMES.workstationCert, text(ws.workstation.certificatePem)));
  // keys/ca.pem: the workstation's issuer (an imported organisation CA, else the local CA); the
  // data dir's other issuing CAs beside it, so every certificate it issued still chains.
  const cas = await bundleCas(ws.paths, ws.ca.certPem, ws.workstation.certificatePem);
  planned.push(fromBuffer(NAMES.caCert, text(cas.caPem)));
  const carried = new Set<string>();
  const migratedCas = g.migrated.flatMap((m) => (m.caPem === null ? [] : [m.caPem]));
  for (const other of [...cas.others, ...migratedCas.map((pem) => ({ sha256: fingerprint(pem), pem }))]) {
    if (carried.has(other.sha256)) continue;
    carried.add(other.sha256);
    planned.push(fromBuffer(`keys/ca-${other.sha256}.pem`, text(other.pem)));
  }
  // The CA's CRL, so a verifier can refuse a decision signed after its reviewer was revoked.
  if (existsSync(ws.paths.caCrlPem)) planned.push(fromBuffer(CRL_FILE, await readFile(ws.paths.caCrlPem)));
  // CAs of workstations whose evidence was imported here, so their reviewers' certificates chain.
  const importedCas = join(ws.paths.keys, 'imported', 'ca');
  if (!existsSync(importedCas)) return;
  for (const name of (await readdir(importedCas)).sort()) {
    const m = /^([0-9a-f]{64})\.pem$/.exec(name);
    if (m?.[1] !== undefined && !carried.has(m[1]))
      planned.push(fromBuffer(`keys/ca-${m[1]}.pem`, await readFile(join(importedCas, name))));
  }
}

/** Plans every file of the selection, in a fixed order: captures, decisions, reviewers, packets, keys. */
export async function planContents(
  ws: Workspace,
  g: Gathered,
  extras: BundleExtras | undefined,
): Promise<Contents> {
  const planned: Planned[] = [];
  const tokenCerts: string[] = [];
  const captures = await planCaptures(ws, g, planned, tokenCerts);
  const decisions = await planDecisions(g, extras, planned);
  const users = await planReviewers(ws, g, planned);
  const packets = await planPackets(ws, g, extras, planned);
  const migrated = planMigratedCustody(g, planned);
  await planCustodyAndKeys(ws, g, planned);
  await planHeadTimestamps(ws, planned, tokenCerts);
  return { planned, tokenCerts, captures, decisions, users, packets, migrated };
}
