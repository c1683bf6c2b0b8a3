import { X509Certificate, createHash } from 'node:crypto';
import type { CDPSession, Protocol } from 'puppeteer-core';
import { checkCertificateChain, describeCertificateError } from './certificate-check';
import type { CertificateProblem } from './certificate-check';
import { bounded } from './deadline';

export type TlsInfo = Readonly<{
  protocol: string;
  cipher: string;
  keyExchange: string | null;
  subjectName: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  sanList: readonly string[];
  /** Lowercase hex SHA-256 of the leaf certificate's DER; null when Chromium would not give the chain. */
  sha256Fingerprint: string | null;
  /** Leaf first, as Chromium validated it. */
  chainPem: string | null;
  /** False when the browser or Vigil's own check of the chain found a certificate error. */
  valid: boolean;
  /** Which error: the browser's net error and what the check found (certificate-check.ts). */
  error?: string;
  problems: readonly CertificateProblem[];
}>;

export function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

/**
 * Connection and certificate details of the main document. The DER chain comes from
 * `Network.getCertificate` so that the fingerprint is of the bytes the server presented.
 */
export async function readTlsInfo(opts: {
  session: CDPSession;
  url: string;
  details: Protocol.Network.SecurityDetails;
  /** Base64 DER chain from the visible security state, used when getCertificate has none. */
  fallbackChain?: readonly string[];
  /** The certificate error the browser reported for this connection, if any. */
  browserError: string | null;
  /** The capture's time: what the validity period is checked against. */
  at: Date;
  deadline: number;
}): Promise<TlsInfo> {
  const d = opts.details;
  let chain = await readChain(opts.session, opts.url, opts.deadline);
  if (chain.length === 0 && opts.fallbackChain)
    chain = opts.fallbackChain.map((b64) => Buffer.from(b64, 'base64'));
  const leaf = chain[0];
  let sanList: string[] = [...d.sanList];
  if (leaf && sanList.length === 0) {
    try {
      sanList = (new X509Certificate(leaf).subjectAltName ?? '').split(', ').filter(Boolean);
    } catch {
      // Keep Chromium's (empty) list: an unparsable leaf is still recorded by its bytes.
    }
  }
  return {
    protocol: d.protocol,
    cipher: d.mac ? `${d.cipher} ${d.mac}` : d.cipher,
    keyExchange: d.keyExchangeGroup ?? (d.keyExchange || null),
    subjectName: d.subjectName,
    issuer: d.issuer,
    validFrom: new Date(d.validFrom * 1000).toISOString(),
    validTo: new Date(d.validTo * 1000).toISOString(),
    sanList,
    sha256Fingerprint: leaf ? createHash('sha256').update(leaf).digest('hex') : null,
    chainPem: chain.length > 0 ? chain.map(toPem).join('') : null,
    ...verdict(chain, opts.url, opts.browserError, opts.at),
  };
}

/** The DER chain the browser holds for the URL's origin, leaf first; empty when it has none. */
export async function readChain(session: CDPSession, url: string, deadline: number): Promise<Buffer[]> {
  try {
    const r = await bounded(
      session.send('Network.getCertificate', { origin: new URL(url).origin }),
      deadline,
      'certificate chain',
    );
    return r.tableNames.map((b64) => Buffer.from(b64, 'base64'));
  } catch {
    return [];
  }
}

/** Valid only when neither the browser nor the chain check found an error. */
export function verdict(
  chain: readonly Buffer[],
  url: string,
  browserError: string | null,
  at: Date,
): Readonly<{ valid: boolean; error?: string; problems: CertificateProblem[] }> {
  const problems = checkCertificateChain(chain, new URL(url).hostname, at);
  const error = describeCertificateError(browserError, problems);
  return error === null ? { valid: true, problems } : { valid: false, error, problems };
}
