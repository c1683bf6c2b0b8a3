import { X509Certificate } from 'node:crypto';
import { inspectTimestampToken, timestampResponseFromToken } from '@core/custody/tsa-client';
import { pemBlocks } from '@core/custody/x509';

/** The first certificate of a PEM file; null when there is none or it does not parse (a damaged file). */
export const certOf = (pem: string): X509Certificate | null => {
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

export const fingerprintOf = (cert: X509Certificate): string =>
  cert.fingerprint256.replace(/:/g, '').toLowerCase();

/** Issued by `ca` (name and signature) and valid at `at`; a reason when not. */
export function chainProblem(
  cert: X509Certificate,
  cas: readonly X509Certificate[],
  at: Date,
): string | null {
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
export function checkTokenForm(token: Buffer, tsaPems: readonly string[]): void {
  if (!timestampResponseFromToken(token).equals(token))
    throw new Error('the token is not in the granted TimeStampResp form the bundle was written with');
  const known = new Set(tsaPems.flatMap((pem) => pemBlocks(pem).map((b) => b.der.toString('hex'))));
  for (const pem of inspectTimestampToken(token).certificatesPem) {
    for (const block of pemBlocks(pem))
      if (!known.has(block.der.toString('hex')))
        throw new Error('the token carries a certificate that is not among tsa/*.pem');
  }
}
