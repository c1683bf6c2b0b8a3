import { X509Certificate, type KeyObject } from 'node:crypto';
import { AppError } from '@shared/errors/app-error';

/**
 * A private key that parses is not yet the key its certificate certifies: one restored from another
 * backup, or swapped in, would sign manifests and decisions that no certificate vouches for. It must
 * never sign; the error names both (files, or a user's stored key and certificate) so an
 * administrator knows which pair to restore together.
 */
export function requireKeyMatchesCertificate(
  privateKey: KeyObject,
  certificatePem: string,
  names: Readonly<{ key: string; certificate: string }>,
): void {
  let matches: boolean;
  try {
    matches = new X509Certificate(certificatePem).checkPrivateKey(privateKey);
  } catch {
    matches = false;
  }
  if (!matches)
    throw new AppError(
      'custody.key-mismatch',
      `${names.key} does not match ${names.certificate}: the key is not the one the certificate certifies; restore both from the same backup`,
    );
}
