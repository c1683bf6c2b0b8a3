import { X509Certificate, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * Signing of a WACZ as the "WACZ Signing and Verification" spec (webrecorder) describes: the
 * `datapackage-digest.json` entry carries `signedData`, an ECDSA signature over the UTF-8 text of
 * the datapackage hash (`sha256:<hex>`). Vigil signs with the workstation key (P-256) and names it by
 * its certificate (`domainCert`, leaf first, then the issuing CA), because ReplayWeb.page imports a
 * bare `publicKey` as P-384 only; with a certificate it takes the curve from the certificate.
 * The signature is IEEE P1363 (r‖s), the encoding WebCrypto's `verify` expects, in base64.
 */
export type WaczSigner = Readonly<{
  privateKey: KeyObject;
  /** The workstation certificate (PEM); its public key must be the private key's. */
  certificatePem: string;
  /** The certificate that issued it (the local CA or the organisation's), kept with it. */
  issuerCertificatePem?: string;
}>;

export const SignedData = z
  .object({
    hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    signature: z.string().min(1),
    domain: z.string().min(1),
    domainCert: z.string().min(1),
    created: z.string().datetime({ offset: false }),
    software: z.string().min(1),
  })
  .strict();
export type SignedData = z.infer<typeof SignedData>;

export const DatapackageDigest = z.object({
  path: z.literal('datapackage.json'),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  signedData: SignedData.optional(),
});
export type DatapackageDigest = z.infer<typeof DatapackageDigest>;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM text, in order, each normalised to end with one newline. */
export function pemCertificates(text: string): string[] {
  return (text.match(PEM_BLOCK) ?? []).map((block) => `${block}\n`);
}

/** The certificate's common name: what ReplayWeb.page shows as "Observed By". */
function commonName(cert: X509Certificate): string {
  const line = cert.subject.split('\n').find((l) => l.startsWith('CN='));
  return line ? line.slice(3) : cert.subject.replace(/\n/g, ', ');
}

export function signDatapackageHash(
  hash: string,
  signer: WaczSigner,
  created: Date,
  software: string,
): SignedData {
  const [leaf] = pemCertificates(signer.certificatePem);
  if (!leaf) throw new Error('The WACZ signer has no certificate');
  const cert = new X509Certificate(leaf);
  const publicKey = createPublicKey(signer.privateKey);
  if (!cert.publicKey.equals(publicKey)) {
    throw new Error('The WACZ signing certificate does not belong to the workstation key');
  }
  const issuers = signer.issuerCertificatePem ? pemCertificates(signer.issuerCertificatePem) : [];
  const signature = sign('sha256', Buffer.from(hash, 'utf8'), {
    key: signer.privateKey,
    dsaEncoding: 'ieee-p1363',
  }).toString('base64');
  return SignedData.parse({
    hash,
    signature,
    domain: commonName(cert),
    // ReplayWeb.page splits the chain on a blank line and reads the first certificate.
    domainCert: [leaf, ...issuers].join('\n'),
    created: created.toISOString(),
    software,
  });
}

export type SignatureCheck = Readonly<{
  valid: boolean;
  /** Why it is not valid; empty when it is. */
  problem: string;
  /** SHA-256 of the signing certificate (DER), to compare with the workstation's published one. */
  certificateSha256: string;
  subject: string;
  issuer: string;
  /** The chain inside `domainCert` holds: the leaf was issued by the next certificate. */
  issuedByIncludedCa: boolean;
}>;

/** Checks `signedData` on its own terms: the signature over `hash` by the certificate's key. */
export function checkSignedData(data: SignedData): SignatureCheck {
  const [leafPem, ...rest] = pemCertificates(data.domainCert);
  if (!leafPem) {
    return {
      valid: false,
      problem: 'signedData.domainCert holds no certificate',
      certificateSha256: '',
      subject: '',
      issuer: '',
      issuedByIncludedCa: false,
    };
  }
  const leaf = new X509Certificate(leafPem);
  const issuerPem = rest[0];
  const issuer = issuerPem ? new X509Certificate(issuerPem) : null;
  const issuedByIncludedCa = issuer !== null && leaf.checkIssued(issuer) && leaf.verify(issuer.publicKey);
  const valid = verify(
    'sha256',
    Buffer.from(data.hash, 'utf8'),
    { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(data.signature, 'base64'),
  );
  return {
    valid,
    problem: valid ? '' : 'the signature in datapackage-digest.json does not match its certificate',
    certificateSha256: leaf.fingerprint256.replace(/:/g, '').toLowerCase(),
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    issuedByIncludedCa,
  };
}
