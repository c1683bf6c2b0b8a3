import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import type { DataPaths } from '../data-dir';
import { pemBlocks, derToPem } from './x509';

/**
 * An organisation's own CA (issue #12, "Keys at rest"): `vigil ca import-cert` records its
 * certificate as an issuing root of this data dir, and `vigil ca install-cert` installs the
 * certificates it issued for Vigil's keys (from `vigil ca csr`). The local CA keeps working for units
 * without one; certificates of either verify, and bundles carry both.
 */

export const orgCaDir = (paths: DataPaths): string => join(paths.keys, 'org-ca');

const fingerprintOf = (cert: X509Certificate): string => cert.fingerprint256.replace(/:/g, '').toLowerCase();

export type OrgCa = Readonly<{ sha256: string; subject: string; pem: string; cert: X509Certificate }>;

function certificatesOf(text: string, what: string): X509Certificate[] {
  let certs: X509Certificate[];
  try {
    certs = pemBlocks(text)
      .filter((b) => b.label === 'CERTIFICATE')
      .map((b) => new X509Certificate(b.der));
  } catch {
    throw new AppError('input.invalid', `${what} holds a certificate that does not parse`);
  }
  if (certs.length === 0) throw new AppError('input.invalid', `${what} holds no PEM certificate`);
  return certs;
}

/** The organisation CAs imported into this data dir, in a fixed order. */
export async function listOrgCas(paths: DataPaths): Promise<OrgCa[]> {
  const dir = orgCaDir(paths);
  if (!existsSync(dir)) return [];
  const out: OrgCa[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!/^[0-9a-f]{64}\.pem$/.test(name)) continue;
    const pem = await readFile(join(dir, name), 'utf8');
    const cert = new X509Certificate(pem);
    out.push({ sha256: fingerprintOf(cert), subject: cert.subject.split('\n').join(', '), pem, cert });
  }
  return out;
}

/** Parses an organisation CA certificate (RFC 5280 §4.2.1.9: basicConstraints CA:true) and stores it. */
export async function storeOrgCa(
  paths: DataPaths,
  text: string,
  at: Date,
): Promise<Readonly<{ ca: OrgCa; added: boolean }>> {
  const [cert] = certificatesOf(text, 'the CA file');
  if (cert === undefined || !cert.ca)
    throw new AppError('input.invalid', 'the certificate is not a CA certificate (basicConstraints CA:true)');
  if (at < new Date(cert.validFrom) || at > new Date(cert.validTo))
    throw new AppError(
      'input.invalid',
      `the CA certificate is not valid now (${cert.validFrom} to ${cert.validTo})`,
    );
  const pem = derToPem('CERTIFICATE', cert.raw);
  const sha256 = fingerprintOf(cert);
  const file = join(orgCaDir(paths), `${sha256}.pem`);
  const added = !existsSync(file);
  if (added) {
    await mkdir(orgCaDir(paths), { recursive: true });
    await writeFile(file, pem, { flag: 'wx', mode: 0o644 });
  }
  return { ca: { sha256, subject: cert.subject.split('\n').join(', '), pem, cert }, added };
}

const issued = (cert: X509Certificate, by: X509Certificate): boolean => {
  try {
    return by.ca && cert.checkIssued(by) && cert.verify(by.publicKey);
  } catch {
    return false;
  }
};

export type CheckedCertificate = Readonly<{
  pem: string;
  sha256: string;
  root: OrgCa;
  /** The CA certificates between the leaf and the root, nearest first. */
  intermediatesPem: readonly string[];
}>;

/**
 * A certificate an organisation CA issued for one of Vigil's keys: the public key must be that key's
 * and the chain (the file's further certificates) must lead, valid at `at`, to an imported CA.
 */
export function checkIssuedCertificate(
  text: string,
  expectedPublicKeyPem: string,
  orgCas: readonly OrgCa[],
  at: Date,
): CheckedCertificate {
  const [leaf, ...rest] = certificatesOf(text, 'the certificate file');
  if (leaf === undefined) throw new AppError('input.invalid', 'the certificate file holds no certificate');
  const spki = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('hex');
  const valid = (c: X509Certificate) => at >= new Date(c.validFrom) && at <= new Date(c.validTo);
  if (spki(leaf.publicKey) !== spki(createPublicKey(expectedPublicKeyPem)))
    throw new AppError(
      'input.invalid',
      'the certificate is for another key than this one: nothing was installed',
    );
  if (!valid(leaf))
    throw new AppError(
      'input.invalid',
      `the certificate is not valid now (${leaf.validFrom} to ${leaf.validTo})`,
    );
  // Walk up through the given intermediates until an imported CA issued the current certificate.
  const path: X509Certificate[] = [];
  let current = leaf;
  for (let depth = 0; depth <= rest.length; depth += 1) {
    const root = orgCas.find((ca) => issued(current, ca.cert) && valid(ca.cert));
    if (root !== undefined)
      return {
        pem: derToPem('CERTIFICATE', leaf.raw),
        sha256: fingerprintOf(leaf),
        root,
        intermediatesPem: path.map((c) => derToPem('CERTIFICATE', c.raw)),
      };
    const next = rest.find((c) => !path.includes(c) && issued(current, c) && valid(c));
    if (next === undefined) break;
    path.push(next);
    current = next;
  }
  throw new AppError(
    'input.invalid',
    'the certificate does not chain to an organisation CA imported with `vigil ca import-cert`: nothing was installed',
  );
}

/** The imported CA (or the local one) that issued `certPem`; the local CA's certificate when none did. */
export function issuerPemOf(certPem: string, localCaPem: string, orgCas: readonly OrgCa[]): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return localCaPem;
  }
  return orgCas.find((ca) => issued(cert, ca.cert))?.pem ?? localCaPem;
}

/**
 * The CAs a court bundle carries: `keys/ca.pem` is the CA that certified the workstation key (an
 * imported organisation CA once its certificate is installed, else the local CA), so `vigil verify
 * --trust-ca ORG-CA.pem` anchors the bundle; every other issuing CA of this data dir (the local CA,
 * further organisation CAs) goes beside it as `keys/ca-<sha256>.pem` so older certificates still chain.
 */
export async function bundleCas(
  paths: DataPaths,
  localCaPem: string,
  workstationCertPem: string,
): Promise<Readonly<{ caPem: string; others: readonly Readonly<{ sha256: string; pem: string }>[] }>> {
  const orgCas = await listOrgCas(paths);
  const caPem = issuerPemOf(workstationCertPem, localCaPem, orgCas);
  const local = new X509Certificate(localCaPem);
  const all = [
    { sha256: fingerprintOf(local), pem: localCaPem },
    ...orgCas.map((c) => ({ sha256: c.sha256, pem: c.pem })),
  ];
  const main = fingerprintOf(new X509Certificate(caPem));
  return { caPem, others: all.filter((c) => c.sha256 !== main) };
}

/** `keys/ca.pem` of a bundle (see `bundleCas`), read synchronously for the bundle's README. */
export function bundleCaPemSync(paths: DataPaths, localCaPem: string, workstationCertPem: string): string {
  const dir = orgCaDir(paths);
  if (!existsSync(dir)) return localCaPem;
  const orgCas = readdirSync(dir)
    .filter((n) => /^[0-9a-f]{64}\.pem$/.test(n))
    .sort()
    .map((n) => {
      const pem = readFileSync(join(dir, n), 'utf8');
      const cert = new X509Certificate(pem);
      return { sha256: fingerprintOf(cert), subject: cert.subject, pem, cert };
    });
  return issuerPemOf(workstationCertPem, localCaPem, orgCas);
}
