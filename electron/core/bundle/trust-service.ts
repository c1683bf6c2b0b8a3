import { X509Certificate } from 'node:crypto';
import { AppError } from '@shared/errors/app-error';
import { currentlyTrusted, insertTrustRow, trustHistory, type TrustRow } from '../db/repositories/trust-repo';
import type { Workspace } from '../workspace';
import { certificatesOfPem } from './verify/anchors';
import { fingerprintOf } from './verify/certificates';

/**
 * The CAs of other units whose bundles this data dir imports (issue: foreign bundles). A bundle is
 * imported only when its CA is our own or one an administrator trusted here by fingerprint, after
 * comparing it out of band. Trusting and withdrawing are custody events and append-only rows.
 */
export type TrustedCa = Readonly<{
  name: string;
  subject: string;
  sha256: string;
  trustedAt: string;
  trustedBy: string;
  certificatePem: string;
}>;

export type TrustService = Readonly<{
  list: () => Promise<TrustedCa[]>;
  history: () => Promise<TrustRow[]>;
  add: (pem: string, name: string, actor: string) => Promise<Readonly<{ ca: TrustedCa; added: boolean }>>;
  /** Withdraws trust from the CA named by fingerprint (or a unique prefix of 8+ digits) or unit name. */
  remove: (which: string, actor: string) => Promise<TrustedCa>;
}>;

const toTrusted = (r: TrustRow): TrustedCa => ({
  name: r.name,
  subject: r.subject,
  sha256: r.certificateSha256,
  trustedAt: r.at,
  trustedBy: r.actor,
  certificatePem: r.certificatePem,
});

/** One CA certificate (basicConstraints cA) from a PEM file. */
function caCertificateOf(pem: string): X509Certificate {
  const certs = certificatesOfPem(pem, 'the CA file');
  const [cert] = certs;
  if (cert === undefined || certs.length > 1)
    throw new AppError('input.invalid', 'give one CA certificate per `trust add` (the file holds several)');
  if (!cert.ca)
    throw new AppError(
      'input.invalid',
      'the certificate is not a CA certificate (basicConstraints cA is not set)',
    );
  return cert;
}

export function createTrustService(ws: Workspace): TrustService {
  const list = async () => (await ws.db.read((c) => currentlyTrusted(c))).map(toTrusted);
  return {
    list,
    history: () => ws.db.read((c) => trustHistory(c)),
    async add(pem, name, actor) {
      const unit = name.trim();
      if (unit === '' || unit.length > 200)
        throw new AppError('input.invalid', '--name UNIT is required (at most 200 characters)');
      const cert = caCertificateOf(pem);
      const sha256 = fingerprintOf(cert);
      if (sha256 === fingerprintOf(new X509Certificate(ws.ca.certPem)))
        throw new AppError('input.invalid', 'this is the CA of this data dir, which is always trusted');
      const known = (await list()).find((t) => t.sha256 === sha256);
      if (known !== undefined && known.name === unit) return { ca: known, added: false };
      const row = {
        certificateSha256: sha256,
        action: 'trust' as const,
        name: unit,
        subject: cert.subject.replace(/\n/g, ', '),
        certificatePem: cert.toString(),
        at: ws.clock().toISOString(),
        actor,
      };
      await ws.record(async (tx, audit) => {
        await insertTrustRow(tx, row);
        await audit({
          actor,
          action: 'trust.ca-added',
          subject: `ca:${sha256}`,
          details: { name: unit, subject: row.subject, previousName: known?.name ?? null },
        });
      });
      return { ca: toTrusted({ ...row, seq: 0 }), added: true };
    },
    async remove(which, actor) {
      const key = which.trim().toLowerCase();
      const current = await list();
      const matches = current.filter(
        (t) => t.name.toLowerCase() === key || (key.length >= 8 && t.sha256.startsWith(key)),
      );
      const [found] = matches;
      if (found === undefined) throw new AppError('input.invalid', `no trusted CA is named ${which}`);
      if (matches.length > 1)
        throw new AppError(
          'input.invalid',
          `${which} names ${matches.length} trusted CAs: give the fingerprint`,
        );
      await ws.record(async (tx, audit) => {
        await insertTrustRow(tx, {
          certificateSha256: found.sha256,
          action: 'withdraw',
          name: found.name,
          subject: found.subject,
          certificatePem: found.certificatePem,
          at: ws.clock().toISOString(),
          actor,
        });
        await audit({
          actor,
          action: 'trust.ca-withdrawn',
          subject: `ca:${found.sha256}`,
          details: { name: found.name, subject: found.subject },
        });
      });
      return found;
    },
  };
}
