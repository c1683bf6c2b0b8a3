import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import type { BundleCheck, BundleVerifyReport } from '@shared/contract/methods/bundle';
import { AuditRow } from '@shared/contract/methods/custody';
import { DecisionRecord } from '@shared/domain/decision';
import { isAppError } from '@shared/errors/app-error';
import { auditHash } from '../custody/audit-log';
import { canonicalJson } from '../custody/canonical-json';
import { keyIdOf, sha256Hex, verifyEs256 } from '../custody/signing';
import {
  inspectTimestampToken,
  timestampResponseFromToken,
  verifyTimestampToken,
} from '../custody/tsa-client';
import { pemBlocks } from '../custody/x509';
import {
  BundleManifest,
  CAPTURE_SIGNATURE_NAME,
  NAMES,
  UNLISTED,
  captureDir,
  parseSums,
} from './bundle-format';
import { readBundle, type SourceFile } from './bundle-source';

/**
 * Offline verification of a court bundle (DESIGN §8): every file re-hashed and held against
 * SHA256SUMS (nothing missing, nothing extra), the signature of SHA256SUMS by the bundled workstation
 * key, its time-stamp, every capture manifest (hash, signature, artifact list, time-stamp), every
 * decision signature and its reviewer's certificate chain, and the custody rows' hashes. Every check is
 * one line naming its file; the bundle passes only when every line passes.
 */

// Files the checks read; everything else is only hashed. Larger ones are not structure Vigil writes.
const KEEP_LIMIT = 256 * 1024 * 1024;
const keep = (name: string, bytes: number): boolean =>
  bytes <= KEEP_LIMIT &&
  (UNLISTED.has(name) ||
    name === NAMES.manifest ||
    name === NAMES.custody ||
    name.startsWith('keys/') ||
    name.startsWith('tsa/') ||
    name.startsWith('decisions/') ||
    /^captures\/[^/]+\/(manifest\.json|manifest\.json\.sig|manifest\.tsr)$/.test(name));

type Checks = {
  add: (check: string, file: string | null, ok: boolean, message: string) => void;
  list: BundleCheck[];
};

function checks(): Checks {
  const list: BundleCheck[] = [];
  return { list, add: (check, file, ok, message) => list.push({ check, file, ok, message }) };
}

/** The first certificate of a PEM file; null when there is none or it does not parse (a damaged file). */
const certOf = (pem: string): X509Certificate | null => {
  try {
    const der = pemBlocks(pem).find((b) => b.label === 'CERTIFICATE')?.der;
    if (der === undefined) return null;
    const cert = new X509Certificate(der);
    // A certificate whose key cannot be decoded is as unreadable as one that does not parse.
    void cert.publicKey;
    return cert;
  } catch {
    return null;
  }
};

const fingerprintOf = (cert: X509Certificate): string => cert.fingerprint256.replace(/:/g, '').toLowerCase();

/** Issued by `ca` (name and signature) and valid at `at`; a reason when not. */
function chainProblem(cert: X509Certificate, cas: readonly X509Certificate[], at: Date): string | null {
  const issuedBy = (ca: X509Certificate): boolean => {
    try {
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch {
      return false;
    }
  };
  if (!cas.some(issuedBy)) return 'is not issued by a bundled CA (keys/ca.pem, keys/ca-*.pem)';
  if (at < new Date(cert.validFrom) || at > new Date(cert.validTo))
    return `was not valid at ${at.toISOString()} (valid ${cert.validFrom} to ${cert.validTo})`;
  return null;
}

/**
 * A token's certificates and its response wrapper are not covered by the TSA's signature, so a byte
 * changed there could pass the signature check. The stored form is fixed (a granted TimeStampResp, as
 * export writes it) and every certificate it carries must be one of the hashed tsa/*.pem certificates.
 */
function checkTokenForm(token: Buffer, tsaPems: readonly string[]): void {
  if (!timestampResponseFromToken(token).equals(token))
    throw new Error('the token is not in the granted TimeStampResp form the bundle was written with');
  const known = new Set(tsaPems.flatMap((pem) => pemBlocks(pem).map((b) => b.der.toString('hex'))));
  for (const pem of inspectTimestampToken(token).certificatesPem) {
    for (const block of pemBlocks(pem))
      if (!known.has(block.der.toString('hex')))
        throw new Error('the token carries a certificate that is not among tsa/*.pem');
  }
}

const errorText = (error: unknown): string =>
  isAppError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);

export async function verifyBundle(path: string): Promise<BundleVerifyReport> {
  const c = checks();
  const files = new Map<string, SourceFile>();
  const problems = await readBundle(path, keep, (f) => files.set(f.name, f));
  for (const p of problems) c.add('bundle.read', p.name, false, p.message);
  if (problems.length === 0) c.add('bundle.read', null, true, `read ${files.size} files`);
  const content = (name: string): Buffer | null => files.get(name)?.content ?? null;

  // --- SHA256SUMS: present, well-formed, every listed file present with that hash, nothing unlisted.
  const sumsBytes = content(NAMES.sums);
  let listed = new Map<string, string>();
  if (sumsBytes === null) {
    c.add('sums.present', NAMES.sums, false, 'SHA256SUMS is missing: no file can be checked');
  } else {
    const parsed = parseSums(sumsBytes.toString('utf8'));
    listed = parsed.entries;
    c.add(
      'sums.format',
      NAMES.sums,
      parsed.problems.length === 0,
      parsed.problems.length === 0 ? `${listed.size} files listed` : parsed.problems.join('; '),
    );
    for (const [name, sha256] of [...listed.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const f = files.get(name);
      if (UNLISTED.has(name)) c.add('file.hash', name, false, 'SHA256SUMS must not list this file');
      else if (f === undefined) c.add('file.hash', name, false, 'listed in SHA256SUMS but missing');
      else if (f.sha256 !== sha256)
        c.add('file.hash', name, false, `SHA-256 is ${f.sha256}, SHA256SUMS says ${sha256} (changed)`);
      else c.add('file.hash', name, true, `sha256 ${sha256}, ${f.bytes} bytes`);
    }
    for (const name of [...files.keys()].sort()) {
      if (!listed.has(name) && !UNLISTED.has(name))
        c.add('file.unlisted', name, false, 'present but not listed in SHA256SUMS (added after export)');
    }
  }
  const intact = (name: string): boolean => {
    const f = files.get(name);
    return f !== undefined && listed.get(name) === f.sha256;
  };

  // --- The workstation key and certificate.
  const pubPem = content(NAMES.workstationPub)?.toString('utf8') ?? null;
  const caPem = content(NAMES.caCert)?.toString('utf8') ?? null;
  const ca = caPem === null ? null : certOf(caPem);
  // CAs of other workstations whose reviewers' decisions came in through an import.
  const otherCas = [...files.keys()]
    .filter((n) => /^keys\/ca-[0-9a-f]{64}\.pem$/.test(n) && intact(n))
    .map((n) => certOf(content(n)?.toString('utf8') ?? ''))
    .filter((x): x is X509Certificate => x !== null);
  let workstationKey: KeyObject | null = null;
  if (pubPem === null) {
    c.add('keys.workstation', NAMES.workstationPub, false, 'the workstation public key is missing');
  } else {
    try {
      workstationKey = createPublicKey(pubPem);
    } catch {
      c.add('keys.workstation', NAMES.workstationPub, false, 'not a public key');
    }
  }
  const wsCertPem = content(NAMES.workstationCert)?.toString('utf8') ?? null;
  const wsCert = wsCertPem === null ? null : certOf(wsCertPem);
  if (ca === null) c.add('keys.ca', NAMES.caCert, false, 'the CA certificate is missing or unreadable');
  else
    c.add('keys.ca', NAMES.caCert, true, `CA ${ca.subject.replace(/\n/g, ', ')} sha256 ${fingerprintOf(ca)}`);
  if (workstationKey !== null) {
    if (wsCert === null) {
      c.add(
        'keys.workstation',
        NAMES.workstationCert,
        false,
        'the workstation certificate is missing or unreadable',
      );
    } else {
      const same = wsCert.publicKey
        .export({ type: 'spki', format: 'der' })
        .equals(workstationKey.export({ type: 'spki', format: 'der' }));
      const problem = !same
        ? 'certifies another key than keys/workstation.pub.pem'
        : ca === null
          ? 'cannot be checked without keys/ca.pem'
          : chainProblem(wsCert, [ca], new Date(wsCert.validFrom));
      c.add(
        'keys.workstation',
        NAMES.workstationCert,
        problem === null,
        problem ?? `workstation key ${keyIdOf(workstationKey)} certified by the bundled CA`,
      );
    }
  }

  // --- Signature of SHA256SUMS.
  const sig = content(NAMES.sumsSig);
  if (sig === null) c.add('sums.signature', NAMES.sumsSig, false, 'SHA256SUMS.sig is missing');
  else if (sumsBytes !== null && workstationKey !== null) {
    const ok = verifyEs256(workstationKey, sumsBytes, sig);
    // Either file may be the changed one: both are named.
    if (!ok) c.add('sums.signature', NAMES.sums, false, 'does not match its signature (SHA256SUMS.sig)');
    c.add(
      'sums.signature',
      NAMES.sumsSig,
      ok,
      ok
        ? `SHA256SUMS signed by workstation key ${keyIdOf(workstationKey)}`
        : 'the signature does not verify for SHA256SUMS under keys/workstation.pub.pem',
    );
  }

  // --- The bundle manifest.
  let manifest: BundleManifest | null = null;
  const manifestBytes = content(NAMES.manifest);
  if (manifestBytes === null) c.add('manifest.parse', NAMES.manifest, false, 'manifest.json is missing');
  else {
    try {
      manifest = BundleManifest.parse(JSON.parse(manifestBytes.toString('utf8')));
      c.add(
        'manifest.parse',
        NAMES.manifest,
        true,
        `exported ${manifest.exportedAt} by ${manifest.tool.name} ${manifest.tool.version}`,
      );
    } catch (error) {
      c.add(
        'manifest.parse',
        NAMES.manifest,
        false,
        `not a bundle manifest: ${errorText(error).slice(0, 300)}`,
      );
    }
  }
  if (manifest !== null) {
    const mismatched = manifest.files.filter(
      (f) => listed.get(f.path) !== f.sha256 || files.get(f.path)?.bytes !== f.bytes,
    );
    const inManifest = new Set(manifest.files.map((f) => f.path));
    const notInManifest = [...listed.keys()].filter((n) => n !== NAMES.manifest && !inManifest.has(n));
    const ok = mismatched.length === 0 && notInManifest.length === 0;
    c.add(
      'manifest.files',
      NAMES.manifest,
      ok,
      ok
        ? `${manifest.files.length} files agree with SHA256SUMS`
        : `disagrees with SHA256SUMS or the files on: ${[...mismatched.map((f) => f.path), ...notInManifest].slice(0, 10).join(', ')}`,
    );
    if (workstationKey !== null && keyIdOf(workstationKey) !== manifest.workstation.keyId)
      c.add('manifest.workstation', NAMES.workstationPub, false, 'is not the key named in manifest.json');
  }

  // --- Time-stamp of SHA256SUMS, trusted only through the bundled TSA root.
  const tsaCa = content(NAMES.tsaCa)?.toString('utf8') ?? null;
  const tsaPems = [tsaCa, content(NAMES.tsaChain)?.toString('utf8') ?? null].filter(
    (p): p is string => p !== null,
  );
  const tsr = content(NAMES.sumsTsr);
  const expectTsr = manifest?.timestamp !== null && manifest?.timestamp !== undefined;
  if (tsr === null) {
    if (expectTsr)
      c.add(
        'sums.timestamp',
        NAMES.sumsTsr,
        false,
        'manifest.json says the bundle was time-stamped, but SHA256SUMS.tsr is missing',
      );
    else c.add('sums.timestamp', NAMES.sumsTsr, true, 'not time-stamped (no TSA was configured at export)');
  } else if (sumsBytes !== null) {
    try {
      if (tsaCa === null)
        throw new Error('tsa/ca.pem is missing, so the token cannot be traced to its authority');
      const info = verifyTimestampToken(tsr, Buffer.from(sha256Hex(sumsBytes), 'hex'), [tsaCa]);
      checkTokenForm(tsr, tsaPems);
      c.add(
        'sums.timestamp',
        NAMES.sumsTsr,
        true,
        `SHA256SUMS time-stamped at ${info.genTime} by ${info.tsaName ?? 'the TSA'}`,
      );
    } catch (error) {
      c.add('sums.timestamp', NAMES.sumsTsr, false, errorText(error));
    }
  }

  if (manifest === null) return { ok: c.list.every((x) => x.ok), checks: c.list };

  // --- Workstation keys by id (this workstation, and those of imported captures).
  const keysById = new Map<string, KeyObject>();
  for (const [name, f] of files) {
    if (!name.startsWith('keys/') || !name.endsWith('.pub.pem') || f.content === null || !intact(name))
      continue;
    try {
      const key = createPublicKey(f.content.toString('utf8'));
      keysById.set(keyIdOf(key), key);
    } catch {
      c.add('keys.parse', name, false, 'not a public key');
    }
  }

  // --- Captures.
  const listedCaptureDirs = new Set(manifest.captures.map((r) => `${captureDir(r.id)}/`));
  for (const name of files.keys()) {
    const m = /^captures\/([^/]+)\//.exec(name);
    if (m !== null && !listedCaptureDirs.has(`captures/${m[1]}/`))
      c.add('capture.unknown', name, false, 'belongs to no capture named in manifest.json');
  }
  for (const record of manifest.captures) {
    const dir = captureDir(record.id);
    const mName = `${dir}/manifest.json`;
    const mBytes = content(mName);
    if (mBytes === null) {
      c.add('capture.manifest', mName, false, 'the capture manifest is missing');
      continue;
    }
    const mHash = sha256Hex(mBytes);
    c.add(
      'capture.manifest',
      mName,
      mHash === record.manifestSha256,
      mHash === record.manifestSha256
        ? `sha256 ${mHash}`
        : `SHA-256 is ${mHash}, the capture record says ${record.manifestSha256}`,
    );
    const sigName = `${dir}/${CAPTURE_SIGNATURE_NAME}`;
    const capSig = content(sigName);
    const key = keysById.get(record.signature.keyId);
    if (capSig === null) c.add('capture.signature', sigName, false, 'the manifest signature is missing');
    else if (key === undefined)
      c.add(
        'capture.signature',
        sigName,
        false,
        `no public key in keys/ for workstation ${record.signature.keyId}`,
      );
    else {
      const ok = verifyEs256(key, mBytes, capSig);
      c.add(
        'capture.signature',
        sigName,
        ok,
        ok ? `signed by workstation key ${record.signature.keyId}` : 'does not verify for manifest.json',
      );
    }
    let signed: { artifacts?: unknown; captureId?: unknown; workstation?: { keyId?: unknown } } = {};
    try {
      signed = JSON.parse(mBytes.toString('utf8')) as typeof signed;
    } catch {
      c.add('capture.artifacts', mName, false, 'the capture manifest is not JSON');
    }
    const artifacts = Array.isArray(signed.artifacts)
      ? (signed.artifacts as { name?: unknown; sha256?: unknown; bytes?: unknown }[])
      : [];
    if (signed.captureId !== record.id)
      c.add('capture.artifacts', mName, false, `names capture ${String(signed.captureId)}, not ${record.id}`);
    if (signed.workstation?.keyId !== record.signature.keyId)
      c.add('capture.signature', mName, false, 'the manifest names another workstation key than the record');
    const expected = new Set([mName, sigName]);
    for (const a of artifacts) {
      const name = `${dir}/${String(a.name)}`;
      expected.add(name);
      const f = files.get(name);
      if (f === undefined)
        c.add('capture.artifacts', name, false, 'listed in the signed capture manifest but missing');
      else if (f.sha256 !== a.sha256 || f.bytes !== a.bytes)
        c.add(
          'capture.artifacts',
          name,
          false,
          `differs from the signed capture manifest (sha256 ${String(a.sha256)})`,
        );
      else c.add('capture.artifacts', name, true, 'as in the signed capture manifest');
    }
    const tokenName = `${dir}/manifest.tsr`;
    const token = content(tokenName);
    if (token !== null) {
      expected.add(tokenName);
      try {
        if (tsaCa === null)
          throw new Error('tsa/ca.pem is missing, so the token cannot be traced to its authority');
        const info = verifyTimestampToken(token, Buffer.from(mHash, 'hex'), [tsaCa]);
        checkTokenForm(token, tsaPems);
        c.add('capture.timestamp', tokenName, true, `manifest time-stamped at ${info.genTime}`);
      } catch (error) {
        c.add('capture.timestamp', tokenName, false, errorText(error));
      }
    } else if (record.timestamp.status === 'granted') {
      c.add(
        'capture.timestamp',
        tokenName,
        false,
        'the capture record says it was time-stamped, but the token is missing',
      );
    }
    for (const name of files.keys()) {
      if (name.startsWith(`${dir}/`) && !expected.has(name))
        c.add('capture.artifacts', name, false, 'not listed in the signed capture manifest');
    }
  }

  // --- Decisions: signature by the reviewer's certified key.
  const usersByCert = new Map(manifest.users.map((u) => [u.certificateSha256, u]));
  for (const d of manifest.decisions) {
    const raw = content(d.file);
    if (raw === null) {
      c.add('decision.signature', d.file, false, 'the decision record is missing');
      continue;
    }
    let record: DecisionRecord;
    try {
      record = DecisionRecord.parse(JSON.parse(raw.toString('utf8')));
    } catch (error) {
      c.add('decision.signature', d.file, false, `not a decision record: ${errorText(error).slice(0, 200)}`);
      continue;
    }
    const user = usersByCert.get(record.reviewer.certificateSha256);
    const certPem = user ? content(user.certificate)?.toString('utf8') : undefined;
    const cert = certPem === undefined ? null : certOf(certPem);
    if (user === undefined || cert === null) {
      c.add(
        'decision.signature',
        d.file,
        false,
        `the certificate of reviewer ${record.reviewer.name} is not in the bundle`,
      );
      continue;
    }
    const certFile = user.certificate;
    if (fingerprintOf(cert) !== record.reviewer.certificateSha256) {
      c.add('decision.certificate', certFile, false, 'is not the certificate the decision names');
      continue;
    }
    const problem =
      ca === null
        ? 'cannot be checked without keys/ca.pem'
        : chainProblem(cert, [ca, ...otherCas], new Date(record.signedAt));
    c.add(
      'decision.certificate',
      certFile,
      problem === null,
      problem ?? `${record.reviewer.name}, certified by the bundled CA`,
    );
    const { signature, ...unsigned } = record;
    const ok = verifyEs256(cert.publicKey, canonicalJson(unsigned), Buffer.from(signature.value, 'base64'));
    c.add(
      'decision.signature',
      d.file,
      ok,
      ok ? `signed by ${record.reviewer.name} at ${record.signedAt}` : 'the signature does not verify',
    );
    for (const relied of record.captures) {
      const bundled = manifest.captures.find((x) => x.id === relied.id);
      if (bundled !== undefined && bundled.manifestSha256 !== relied.manifestSha256)
        c.add(
          'decision.captures',
          d.file,
          false,
          `relies on capture ${relied.id} with another manifest hash`,
        );
    }
  }

  // --- Custody rows: each row's hash recomputes from its own fields; consecutive rows link.
  const custody = content(NAMES.custody);
  if (custody === null) c.add('custody.rows', NAMES.custody, false, 'custody.jsonl is missing');
  else {
    const bad: string[] = [];
    let previous: AuditRow | null = null;
    const lines = custody
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    lines.forEach((line, i) => {
      let row: AuditRow;
      try {
        row = AuditRow.parse(JSON.parse(line));
      } catch {
        bad.push(`line ${i + 1} is not an audit row`);
        return;
      }
      if (auditHash(row) !== row.hash) bad.push(`row ${row.seq} (line ${i + 1}) does not recompute`);
      if (previous !== null && row.seq <= previous.seq) bad.push(`row ${row.seq} is out of order`);
      if (previous !== null && row.seq === previous.seq + 1 && row.prevHash !== previous.hash)
        bad.push(`row ${row.seq} does not link to row ${previous.seq}`);
      previous = row;
    });
    if (lines.length !== manifest.custody.rows)
      bad.push(`${lines.length} rows, manifest.json says ${manifest.custody.rows}`);
    c.add(
      'custody.rows',
      NAMES.custody,
      bad.length === 0,
      bad.length === 0 ? `${lines.length} rows, each hash recomputes` : bad.slice(0, 10).join('; '),
    );
  }

  return { ok: c.list.every((x) => x.ok), checks: c.list };
}

/** One line per check: `OK|FAIL  check  file  message`. */
export function formatReport(report: BundleVerifyReport): string {
  const lines = report.checks.map(
    (x) => `${x.ok ? 'OK  ' : 'FAIL'}  ${x.check.padEnd(20)} ${(x.file ?? '-').padEnd(40)} ${x.message}`,
  );
  const failed = report.checks.filter((x) => !x.ok).length;
  lines.push(
    report.ok
      ? `bundle verified: all ${report.checks.length} checks passed`
      : `BUNDLE FAILED: ${failed} of ${report.checks.length} checks failed`,
  );
  return `${lines.join('\n')}\n`;
}
