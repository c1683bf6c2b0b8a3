import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError } from '@shared/errors/app-error';
import type { VerifyAnchor } from '@shared/contract/methods/bundle';
import { pemBlocks } from '@core/custody/x509';
import type { BundleContext } from './bundle-context';
import { fingerprintOf } from './certificates';

/**
 * Trust anchors chosen by whoever verifies, never taken from the bundle: the issuing unit's CA
 * (`--trust-ca`, obtained out of band) and the time-stamp authority's root (`--tsa-ca`). The bundle's
 * own certificates are then only candidates for a chain that must end at one of these.
 */
export type VerifyAnchors = Readonly<{
  /** CA certificates the bundle's CA must be (or be issued by); empty: the bundle's own, self-consistent only. */
  trustCas: readonly X509Certificate[];
  /** TSA roots (PEM) replacing the bundle's tsa/ca.pem; empty: the bundle's tsa/ca.pem. */
  tsaCas: readonly string[];
}>;

export const NO_ANCHORS: VerifyAnchors = { trustCas: [], tsaCas: [] };

/** Every certificate of a PEM file (one or more CERTIFICATE blocks); a file without one is bad input. */
export function certificatesOfPem(pem: string, what: string): X509Certificate[] {
  const certs: X509Certificate[] = [];
  for (const block of pemBlocks(pem)) {
    if (block.label !== 'CERTIFICATE') continue;
    try {
      certs.push(new X509Certificate(block.der));
    } catch {
      throw new AppError('input.invalid', `${what} holds a certificate that does not parse`);
    }
  }
  if (certs.length === 0) throw new AppError('input.invalid', `${what} holds no PEM certificate`);
  return certs;
}

async function readPem(path: string, option: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new AppError('input.invalid', `${option} ${path}: the file cannot be read`);
  }
}

/** Reads the files named by `--trust-ca` and `--tsa-ca` (each may be repeated). */
export async function readAnchorFiles(
  trustCaFiles: readonly string[],
  tsaCaFiles: readonly string[],
): Promise<VerifyAnchors> {
  const trustCas: X509Certificate[] = [];
  for (const f of trustCaFiles)
    trustCas.push(...certificatesOfPem(await readPem(f, '--trust-ca'), `--trust-ca ${f}`));
  const tsaCas: string[] = [];
  for (const f of tsaCaFiles) {
    const pem = await readPem(f, '--tsa-ca');
    certificatesOfPem(pem, `--tsa-ca ${f}`);
    tsaCas.push(pem);
  }
  return { trustCas, tsaCas };
}

export const anchorInfo = (cert: X509Certificate): VerifyAnchor => ({
  subject: cert.subject.replace(/\n/g, ', '),
  sha256: fingerprintOf(cert),
});

/** The anchor `cert` is, or the anchor that issued it (an organisation root above a unit's CA); else null. */
export function anchorOf(cert: X509Certificate, anchors: readonly X509Certificate[]): X509Certificate | null {
  for (const anchor of anchors) {
    if (anchor.raw.equals(cert.raw)) return anchor;
    try {
      if (anchor.ca && cert.checkIssued(anchor) && cert.verify(anchor.publicKey)) return anchor;
    } catch {
      // A key that cannot verify is not an anchor of this certificate.
    }
  }
  return null;
}

/**
 * The context the checkers see: with `--tsa-ca`, the given roots replace the bundle's tsa/ca.pem as
 * the only roots a token may chain to (the bundle's tsa/*.pem stay allowed as intermediates).
 */
export function anchoredContext(ctx: BundleContext, anchors: VerifyAnchors): BundleContext {
  if (anchors.tsaCas.length === 0) return ctx;
  return { ...ctx, tsa: { ca: anchors.tsaCas.join('\n'), pems: [...ctx.tsa.pems, ...anchors.tsaCas] } };
}
