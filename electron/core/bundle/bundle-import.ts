import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleVerifyReport } from '@shared/contract/methods/bundle';
import { AppError } from '@shared/errors/app-error';
import { sha256Hex } from '../custody/signing';
import { pemBlocks } from '../custody/x509';
import type { Workspace } from '../workspace';
import { BundleManifest, CAPTURE_SIGNATURE_NAME, NAMES, parseSums } from './bundle-format';
import { forEachBundleFile } from './bundle-source';
import { throwIfCancelled } from './cancel';
import { verifyBundle } from './bundle-verify';
import { decisionOriginOf, importTrust } from './import/import-anchors';
import { importRecords, type ReadAgain } from './import/import-records';
import { NO_ANCHORS, type VerifyAnchors } from './verify/anchors';

export type ImportResult = Readonly<{
  report: BundleVerifyReport;
  imported: boolean;
  resources: number;
  captures: number;
  decisions: number;
}>;

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const isStructure = (name: string): boolean =>
  name === NAMES.manifest ||
  name === NAMES.sums ||
  name === NAMES.custody ||
  name.startsWith('keys/') ||
  name.startsWith('decisions/') ||
  name.endsWith(`/${CAPTURE_SIGNATURE_NAME}`);

const changed = (name: string): AppError =>
  new AppError('evidence.integrity-mismatch', `${name} changed after the bundle was verified`, {
    file: name,
  });

/**
 * Reads the verified bundle a second time: evidence files stream into the blob store, structural
 * files are kept in memory, and every one is held against the verified SHA256SUMS again.
 */
async function readAgain(ws: Workspace, path: string, signal?: AbortSignal): Promise<ReadAgain> {
  const small = new Map<string, Buffer>();
  const stored = new Map<string, { sha256: string; bytes: number }>();
  const problems = await forEachBundleFile(
    path,
    async (name, _bytes, stream) => {
      if (name.startsWith('captures/') && !name.endsWith(`/${CAPTURE_SIGNATURE_NAME}`)) {
        const blob = await ws.blobs.put(stream);
        stored.set(name, { sha256: blob.sha256, bytes: blob.bytes });
      } else if (isStructure(name)) {
        small.set(name, await collect(stream));
      } else {
        for await (const chunk of stream) void chunk;
      }
    },
    signal,
  );
  const sumsBytes = small.get(NAMES.sums);
  const manifestBytes = small.get(NAMES.manifest);
  if (problems.length > 0 || sumsBytes === undefined || manifestBytes === undefined) {
    throw new AppError('bundle.verification-failed', `the bundle could not be read again for import`, {
      problems: problems.map((p) => `${p.name ?? '-'}: ${p.message}`),
    });
  }
  const sums = parseSums(sumsBytes.toString('utf8')).entries;
  for (const [name, blob] of stored) if (sums.get(name) !== blob.sha256) throw changed(name);
  for (const [name, data] of small)
    if (name !== NAMES.sums && sums.get(name) !== sha256Hex(data)) throw changed(name);
  const manifest = BundleManifest.parse(JSON.parse(manifestBytes.toString('utf8')));
  const extraBlobs = [manifestBytes, small.get(NAMES.custody) ?? Buffer.alloc(0)];
  const kept = await Promise.all(extraBlobs.map((b) => ws.blobs.put(b)));
  return { manifest, sumsBytes, small, stored, kept };
}

const fingerprintOfPem = (pem: Buffer): string | null => {
  const der = pemBlocks(pem.toString('utf8'))[0]?.der;
  return der === undefined ? null : new X509Certificate(der).fingerprint256.replace(/:/g, '').toLowerCase();
};

/** Keys of the exporting workstation and of reviewers, so a re-export of this evidence carries them. */
async function keepKeys(ws: Workspace, bundle: ReadAgain): Promise<void> {
  const { small, manifest } = bundle;
  const origin = manifest.workstation.keyId;
  const importedKeys = join(ws.paths.keys, 'imported');
  const keep = async (file: string, data: Buffer | undefined) => {
    if (data === undefined || existsSync(file)) return;
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, data, { flag: 'wx', mode: 0o644 });
  };
  if (origin !== ws.workstation.keyId) {
    await keep(join(importedKeys, `${origin}.pub.pem`), small.get(NAMES.workstationPub));
    await keep(join(importedKeys, `${origin}.crt.pem`), small.get(NAMES.workstationCert));
  }
  for (const [name, data] of small) {
    const m = /^keys\/workstations\/([0-9a-f]{64})\.pub\.pem$/.exec(name);
    if (m?.[1] !== undefined && m[1] !== ws.workstation.keyId)
      await keep(join(importedKeys, `${m[1]}.pub.pem`), data);
  }
  const caPems = [...small.entries()].filter(
    ([n]) => n === NAMES.caCert || /^keys\/ca-[0-9a-f]{64}\.pem$/.test(n),
  );
  for (const [, pem] of caPems) {
    const fp = fingerprintOfPem(pem);
    if (fp === null) continue;
    if (pem.toString('utf8') !== ws.ca.certPem) await keep(join(importedKeys, 'ca', `${fp}.pem`), pem);
  }
  for (const u of manifest.users) {
    const cert = small.get(u.certificate);
    const fp = cert === undefined ? null : fingerprintOfPem(cert);
    if (fp === u.certificateSha256)
      await keep(join(importedKeys, 'users', `${u.certificateSha256}.crt.pem`), cert);
  }
}

/**
 * Imports a court bundle as read-only evidence: it is verified first and refused, with nothing in
 * the data dir changed, when any check fails. Evidence files are streamed into the blob store and
 * re-hashed against the verified SHA256SUMS (a bundle changed between check and import aborts);
 * resources, captures (with `origin` = the exporting workstation key) and decisions that are already
 * here are left alone, so importing the same bundle twice adds nothing.
 */
export async function importBundle(
  ws: Workspace,
  path: string,
  actor: string,
  signal?: AbortSignal,
  given: VerifyAnchors = NO_ANCHORS,
): Promise<ImportResult> {
  // Anchored to our CA and the CAs an administrator trusted, never to the bundle's own (a foreign
  // bundle with a made-up reviewer is refused until its CA is trusted).
  const trust = await importTrust(ws, given);
  const report = await verifyBundle(path, trust.anchors, signal);
  if (!report.ok) return { report, imported: false, resources: 0, captures: 0, decisions: 0 };
  const bundle = await readAgain(ws, path, signal);
  // Past this point the records are written in one go: a client leaving now does not half-import.
  throwIfCancelled(signal);
  const counts = await importRecords(ws, bundle, {
    path,
    actor,
    at: ws.clock().toISOString(),
    originOf: decisionOriginOf(bundle, ws, trust),
  });
  await keepKeys(ws, bundle);
  for (const r of bundle.manifest.resources) ws.events.emit('resource.changed', { resourceId: r.id });
  return { report, imported: true, ...counts };
}
