import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * ECDSA P-256 with SHA-256, DER-encoded signatures: exactly what `openssl dgst -sha256 -verify pub.pem
 * -signature sig.der data` checks, so every Vigil signature is verifiable without Vigil.
 */
export const signEs256 = (privateKey: KeyObject, data: Buffer | string): Buffer =>
  sign('sha256', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, {
    key: privateKey,
    dsaEncoding: 'der',
  });

export const verifyEs256 = (
  publicKey: KeyObject | string,
  data: Buffer | string,
  signature: Buffer,
): boolean => {
  try {
    return verify(
      'sha256',
      typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
      { key: typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey, dsaEncoding: 'der' },
      signature,
    );
  } catch {
    return false;
  }
};

/** A key's id is the SHA-256 of its SubjectPublicKeyInfo (DER), hex: stable, and checkable with openssl. */
export const keyIdOf = (publicKey: KeyObject | string): string => {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
};

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
