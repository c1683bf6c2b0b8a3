import { X509Certificate } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { MigrationBegin } from '@shared/contract/methods/migration';
import { CaptureRecord } from '@shared/domain/capture-record';
import { DecisionRecord } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import { manifestDisagreements } from '../capture/manifest-agreement';
import { auditHash, GENESIS_HASH } from '../custody/audit-log';
import { canonicalJson } from '../custody/canonical-json';
import { keyIdOf, sha256Hex, verifyEs256 } from '../custody/signing';
import { pemToDer } from '../custody/x509';
import {
  blobsAfter,
  capturesAfter,
  decisionsAfter,
  userCertificates,
} from '../db/repositories/migration-copy-repo';
import { verifyDecisionRecord } from '../review/decision-service';
import type { Workspace } from '../workspace';

/**
 * What the team server checks of a migrated workstation before it records the migration: the
 * workstation's certificate is its CA's, every blob re-hashes, every capture manifest verifies with
 * the workstation's key, and the archived custody log is one unbroken chain up to its signed head.
 */

const PAGE = 500;

const refused = (why: string): AppError =>
  new AppError('custody.signature-invalid', `migration refused: ${why}`);

export type SourceIdentity = Readonly<{
  ca: X509Certificate;
  publicKeyPem: string;
  keyId: string;
  caSha256: string;
  workstationSha256: string;
  caSubject: string;
}>;

/** The workstation's key, certified by the CA it names; its signed head verifies with that key. */
export function sourceIdentity(begin: MigrationBegin): SourceIdentity {
  let ca: X509Certificate;
  let workstation: X509Certificate;
  try {
    ca = new X509Certificate(pemToDer(begin.caCertificatePem, 'CERTIFICATE'));
    workstation = new X509Certificate(pemToDer(begin.workstationCertificatePem, 'CERTIFICATE'));
  } catch {
    throw new AppError('input.invalid', 'the workstation or CA certificate is not an X.509 certificate');
  }
  if (!workstation.verify(ca.publicKey))
    throw refused("the workstation's certificate is not issued by its CA");
  const publicKeyPem = workstation.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyId = keyIdOf(publicKeyPem);
  const { signature, keyId: headKeyId, ...signed } = begin.head;
  if (
    headKeyId !== keyId ||
    !verifyEs256(publicKeyPem, canonicalJson(signed), Buffer.from(signature, 'base64'))
  )
    throw refused("the custody log's signed head does not verify with the workstation's key");
  return {
    ca,
    publicKeyPem,
    keyId,
    caSha256: sha256Hex(ca.raw),
    workstationSha256: sha256Hex(workstation.raw),
    caSubject: ca.subject.replace(/\n/g, ', '),
  };
}

/** Re-hashes every blob the server's database knows; the count checked. */
export async function verifyAllBlobs(ws: Workspace): Promise<{ verified: number; bytes: number }> {
  let after = '';
  let verified = 0;
  let bytes = 0;
  for (;;) {
    const page = await ws.db.read((c) => blobsAfter(c, after, PAGE));
    for (const blob of page) {
      const problem = await ws.blobs.check(blob.sha256, blob.bytes);
      if (problem !== null) throw refused(`blob ${blob.sha256} is ${problem.problem}`);
      verified += 1;
      bytes += blob.bytes;
    }
    const last = page.at(-1);
    if (last === undefined) return { verified, bytes };
    after = last.sha256;
  }
}

/** Every capture's manifest: its hash, its agreement with the record, and the workstation's signature. */
export async function verifyCaptureSignatures(ws: Workspace, source: SourceIdentity): Promise<number> {
  let after = '';
  let verified = 0;
  for (;;) {
    const page = await ws.db.read((c) => capturesAfter(c, after, PAGE));
    for (const row of page) {
      const record = CaptureRecord.parse(JSON.parse(row.record));
      const manifest = await ws.blobs.read(record.manifestSha256);
      const disagree = manifestDisagreements(record, manifest);
      if (disagree.length > 0)
        throw refused(`capture ${row.id} disagrees with its manifest (${disagree.join(', ')})`);
      if (record.signature.keyId !== source.keyId)
        throw refused(`capture ${row.id} is signed by key ${record.signature.keyId}, not the workstation's`);
      if (!verifyEs256(source.publicKeyPem, manifest, Buffer.from(record.signature.value, 'base64')))
        throw refused(`the manifest signature of capture ${row.id} does not verify`);
      verified += 1;
    }
    const last = page.at(-1);
    if (last === undefined) return verified;
    after = last.id;
  }
}

/** The reviewers' certificates the workstation's CA issued, by SHA-256 of their DER. */
async function sourceReviewers(ws: Workspace, source: SourceIdentity): Promise<Map<string, string>> {
  const byFingerprint = new Map<string, string>();
  for (const pem of await ws.db.read(userCertificates)) {
    const cert = new X509Certificate(pemToDer(pem, 'CERTIFICATE'));
    if (cert.verify(source.ca.publicKey))
      byFingerprint.set(
        sha256Hex(cert.raw),
        cert.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
  }
  return byFingerprint;
}

/** Every decision's signature, by the reviewer certificate it names, issued by the workstation's CA. */
export async function verifyDecisionSignatures(ws: Workspace, source: SourceIdentity): Promise<number> {
  const reviewers = await sourceReviewers(ws, source);
  let after = '';
  let verified = 0;
  for (;;) {
    const page = await ws.db.read((c) => decisionsAfter(c, after, PAGE));
    for (const row of page) {
      const record = DecisionRecord.parse(JSON.parse(row.record));
      const publicKeyPem = reviewers.get(record.reviewer.certificateSha256);
      if (publicKeyPem === undefined)
        throw refused(`decision ${row.id} names a reviewer certificate the workstation's CA did not issue`);
      if (!verifyDecisionRecord(record, publicKeyPem))
        throw refused(`the signature of decision ${row.id} does not verify`);
      verified += 1;
    }
    const last = page.at(-1);
    if (last === undefined) return verified;
    after = last.id;
  }
}

type ArchivedRow = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detailsJson: string;
  prevHash: string;
  hash: string;
};

/**
 * The archived custody log, streamed line by line: every row continues the chain from the genesis
 * hash and recomputes, and the signed head is one of its rows. Returns the rows and the archive's size.
 */
export async function verifyAuditArchive(
  ws: Workspace,
  archiveSha256: string,
  head: MigrationBegin['head'],
): Promise<{ rows: number; bytes: number }> {
  const lines = createInterface({ input: ws.blobs.open(archiveSha256), crlfDelay: Infinity });
  let prevHash = GENESIS_HASH;
  let rows = 0;
  let headSeen = false;
  let bytes = 0;
  for await (const line of lines) {
    // Each line is written with its newline (migrate-client.ts), so the sizes add up to the blob's.
    bytes += Buffer.byteLength(line) + 1;
    if (line === '') continue;
    const row = JSON.parse(line) as ArchivedRow;
    rows += 1;
    if (row.seq !== rows) throw refused(`custody row ${rows} is missing from the archive`);
    if (row.prevHash !== prevHash) throw refused(`custody row ${row.seq} does not continue the chain`);
    const details = JSON.parse(row.detailsJson) as Record<string, unknown>;
    const computed = auditHash({ ...row, details });
    if (computed !== row.hash || canonicalJson(details) !== row.detailsJson)
      throw refused(`custody row ${row.seq} was altered (its hash does not recompute)`);
    if (row.seq === head.seq) {
      if (row.hash !== head.hash) throw refused(`custody row ${row.seq} differs from the signed head`);
      headSeen = true;
    }
    prevHash = row.hash;
  }
  if (!headSeen) throw refused(`the archive ends before the signed head (row ${head.seq})`);
  return { rows, bytes };
}
