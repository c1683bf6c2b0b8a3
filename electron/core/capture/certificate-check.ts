import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import type { CertificateProblem } from '@shared/domain/capture-record';

/**
 * What is wrong with a certificate chain as the server presented it, found by Vigil itself so that
 * the record names the problem in plain terms next to the browser's own net error (which names only
 * the most serious one: an expired certificate from an unknown issuer is `ERR_CERT_AUTHORITY_INVALID`).
 */
export type { CertificateProblem };

const PROBLEM_TEXT: Readonly<Record<CertificateProblem, string>> = {
  expired: 'expired',
  'not-yet-valid': 'not yet valid',
  'self-signed': 'self-signed (no trusted authority issued it)',
  'untrusted-issuer': 'issued by an authority that is not a trusted root',
  'name-mismatch': 'not issued for this host name',
  unreadable: 'unreadable (it could not be parsed)',
};

let roots: readonly X509Certificate[] | null = null;

/** Node's bundled (Mozilla) root store, parsed once: what "a trusted root" means for this check. */
function trustedRoots(): readonly X509Certificate[] {
  roots ??= rootCertificates.flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
  return roots;
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Walks the presented chain from the leaf up; true when it ends at (or is signed by) a trusted root. */
function chainsToRoot(chain: readonly X509Certificate[]): boolean {
  const anchors = trustedRoots();
  const anchorPrints = new Set(anchors.map((r) => r.fingerprint256));
  let cur = chain[0];
  const seen = new Set<X509Certificate>();
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    const here = cur;
    if (anchorPrints.has(here.fingerprint256) || anchors.some((r) => issuedBy(here, r))) return true;
    cur = chain.find((c) => c !== here && issuedBy(here, c));
  }
  return false;
}

/**
 * Checks a DER chain (leaf first) for `host` at the capture's time `at` (the injected clock, so
 * the record and the check agree on "now").
 */
export function checkCertificateChain(
  chainDer: readonly Buffer[],
  host: string,
  at: Date,
): CertificateProblem[] {
  if (chainDer.length === 0) return [];
  let chain: X509Certificate[];
  try {
    chain = chainDer.map((der) => new X509Certificate(der));
  } catch {
    return ['unreadable'];
  }
  const [leaf] = chain;
  if (!leaf) return [];
  const problems: CertificateProblem[] = [];
  if (Date.parse(leaf.validTo) < at.getTime()) problems.push('expired');
  if (Date.parse(leaf.validFrom) > at.getTime()) problems.push('not-yet-valid');
  const bare = host.replace(/^\[|\]$/g, '');
  const matches = isIP(bare) ? leaf.checkIP(bare) : leaf.checkHost(bare);
  if (matches === undefined) problems.push('name-mismatch');
  if (!chainsToRoot(chain)) {
    problems.push(chain.length === 1 && issuedBy(leaf, leaf) ? 'self-signed' : 'untrusted-issuer');
  }
  return problems;
}

/**
 * The certificate error as one line of evidence: the browser's net error (when it named one) and
 * what Vigil's own check found; null when neither found anything.
 */
export function describeCertificateError(
  browserError: string | null,
  problems: readonly CertificateProblem[],
): string | null {
  const found = problems.map((p) => PROBLEM_TEXT[p]);
  if (!browserError && found.length === 0) return null;
  if (!browserError) return `The certificate is ${found.join('; ')}`;
  return found.length > 0 ? `${browserError}: the certificate is ${found.join('; ')}` : browserError;
}
