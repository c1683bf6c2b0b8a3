import { generateKeyPairSync } from 'node:crypto';
import type { WaczSigner } from '@core/capture/wacz-signing';
import { createLocalCa, issueCertificate } from '@core/custody/x509';

/** A workstation key certified by a fresh local CA, as `init` makes them. */
export async function testWaczSigner(name = 'test-bench'): Promise<WaczSigner> {
  const now = new Date();
  const ca = await createLocalCa({
    commonName: 'Vigil test CA',
    organization: 'Vigil',
    now,
    validityDays: 30,
  });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const certificatePem = await issueCertificate({
    ca,
    subjectPublicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    commonName: `Vigil workstation ${name}`,
    organization: 'Vigil',
    profile: 'workstation',
    now,
    validityDays: 30,
  });
  return { privateKey, certificatePem, issuerCertificatePem: ca.certPem };
}
