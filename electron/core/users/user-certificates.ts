import { X509Certificate } from 'node:crypto';
import type { Role } from '@shared/domain/users';
import { buildCrl, publishCrl } from '../custody/crl';
import { issueCertificate, type LocalCa } from '../custody/x509';
import type { WriteConn } from '../db/database';
import {
  insertRevocation,
  listRevocations,
  type RevocationReason,
} from '../db/repositories/revocations-repo';
import type { Workspace } from '../workspace';

/** Issuing and revoking user certificates with the unlocked local CA (DESIGN §5, RFC 5280). */

export const issueUserCertificate = (
  ws: Workspace,
  ca: LocalCa,
  subject: Readonly<{ publicKeyPem: string; displayName: string; role: Role }>,
): Promise<string> =>
  issueCertificate({
    ca,
    subjectPublicKeyPem: subject.publicKeyPem,
    commonName: subject.displayName.slice(0, 64),
    organization: 'Vigil',
    organizationalUnit: subject.role,
    profile: 'user-signing',
    now: ws.clock(),
    validityDays: 3650,
  });

export type Revoked = Readonly<{ serialHex: string; certificateSha256: string; reason: RevocationReason }>;

/** Lowercase hex without leading zero bytes, as `openssl crl -text` lists it (there in upper case). */
export const certificateSerial = (pem: string): string =>
  new X509Certificate(pem).serialNumber.toLowerCase().replace(/^(00)+(?=.)/, '');

/** Records the revocation inside the caller's transaction; the CRL follows after commit. */
export async function revokeInTx(
  tx: WriteConn,
  ws: Workspace,
  cert: Readonly<{ pem: string; sha256: string; userId: string; reason: RevocationReason; by: string }>,
): Promise<Revoked> {
  const serialHex = certificateSerial(cert.pem);
  await insertRevocation(tx, {
    serialHex,
    certificateSha256: cert.sha256,
    userId: cert.userId,
    reason: cert.reason,
    revokedAt: ws.clock().toISOString(),
    revokedBy: cert.by,
  });
  return { serialHex, certificateSha256: cert.sha256, reason: cert.reason };
}

/** Rebuilds and publishes the CRL from every revocation row (so a missed publication heals itself). */
export async function publishRevocations(ws: Workspace, ca: LocalCa): Promise<void> {
  const revoked = await ws.db.read((c) => listRevocations(c));
  const now = ws.clock();
  const der = await buildCrl({ ca, revoked, crlNumber: Math.floor(now.getTime() / 1000), now });
  await publishCrl(ws.paths, der, `${process.pid}.${now.getTime()}`);
}
