import { X509Certificate } from 'node:crypto';
import type { DecisionRecord } from '@shared/domain/decision';
import { AppError } from '@shared/errors/app-error';
import type { Workspace } from '@core/workspace';
import { NAMES } from '../bundle-format';
import { createTrustService } from '../trust-service';
import { anchorOf, type VerifyAnchors } from '../verify/anchors';
import { certOf, fingerprintOf } from '../verify/certificates';
import type { ReadAgain } from './import-records';

/** The unit a decision came from, when its reviewer is certified by another CA than ours. */
export type DecisionOriginOf = (
  record: DecisionRecord,
) => Readonly<{ caSha256: string; unit: string }> | null;

export type ImportTrust = Readonly<{
  anchors: VerifyAnchors;
  /** Fingerprint of each anchor → the unit's name ("this unit" for our own CA). */
  units: ReadonlyMap<string, string>;
}>;

export const OWN_UNIT = 'this unit';

/**
 * The anchors an import verifies against: this data dir's CA and the CAs an administrator trusted
 * (`vigil trust add`), never the bundle's own. `--trust-ca` narrows them further: each CA given
 * must be one of those, and the bundle must then be anchored to the given ones.
 */
export async function importTrust(ws: Workspace, given: VerifyAnchors): Promise<ImportTrust> {
  const own = new X509Certificate(ws.ca.certPem);
  const trusted = await createTrustService(ws).list();
  const units = new Map<string, string>([[fingerprintOf(own), OWN_UNIT]]);
  const pool = [own];
  for (const t of trusted) {
    units.set(t.sha256, t.name);
    pool.push(new X509Certificate(t.certificatePem));
  }
  if (given.trustCas.length === 0) return { anchors: { trustCas: pool, tsaCas: given.tsaCas }, units };
  for (const cert of given.trustCas)
    if (!units.has(fingerprintOf(cert)))
      throw new AppError(
        'input.invalid',
        `the CA given with --trust-ca (${cert.subject.replace(/\n/g, ', ')}, SHA-256 ${fingerprintOf(cert)}) is not trusted for import here: an administrator adds it with vigil trust add CA.pem --name UNIT`,
      );
  return { anchors: given, units };
}

/** Maps each imported decision to its unit through the bundled reviewer certificate and its CA. */
export function decisionOriginOf(bundle: ReadAgain, ws: Workspace, trust: ImportTrust): DecisionOriginOf {
  const ownSha = fingerprintOf(new X509Certificate(ws.ca.certPem));
  const cas = [...bundle.small.entries()]
    .filter(([n]) => n === NAMES.caCert || /^keys\/ca-[0-9a-f]{64}\.pem$/.test(n))
    .map(([, pem]) => certOf(pem.toString('utf8')))
    .filter((c): c is X509Certificate => c !== null);
  return (record) => {
    const user = bundle.manifest.users.find((u) => u.certificateSha256 === record.reviewer.certificateSha256);
    const pem = user === undefined ? undefined : bundle.small.get(user.certificate);
    const cert = pem === undefined ? null : certOf(pem.toString('utf8'));
    const issuer =
      cert === null ? undefined : cas.find((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey));
    const anchor = issuer === undefined ? null : anchorOf(issuer, trust.anchors.trustCas);
    // Verification already refused a reviewer that chains to no anchor; this only names the unit.
    if (issuer === undefined || anchor === null) return { caSha256: 'unknown', unit: 'unknown unit' };
    const anchorSha = fingerprintOf(anchor);
    if (anchorSha === ownSha) return null;
    return { caSha256: fingerprintOf(issuer), unit: trust.units.get(anchorSha) ?? anchor.subject };
  };
}
