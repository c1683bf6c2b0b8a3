import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '@shared/errors/app-error';

/**
 * scrypt parameters (N=2^15, r=8, p=1) follow OWASP's recommendation for interactive logins: about
 * 100 ms here, 32 MiB of memory, which makes offline guessing of a stolen database expensive.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const MAXMEM = 128 * N * R * 2;

function derive(password: string, salt: Buffer, length: number, n = N, r = R, p = P): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, length, { N: n, r, p, maxmem: MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (base64): self-describing, so parameters can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, 32);
  return ['scrypt', N, R, P, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await derive(
    password,
    Buffer.from(salt, 'base64'),
    expected.length,
    Number(n),
    Number(r),
    Number(p),
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export const EncryptedSecret = z.object({
  v: z.literal(1),
  kdf: z.literal('scrypt'),
  n: z.number().int(),
  r: z.number().int(),
  p: z.number().int(),
  salt: z.string(),
  cipher: z.literal('aes-256-gcm'),
  iv: z.string(),
  tag: z.string(),
  data: z.string(),
});
export type EncryptedSecret = z.infer<typeof EncryptedSecret>;

/** Encrypts a private key under a key derived from the owner's password (AES-256-GCM, authenticated). */
export async function encryptSecret(secret: Buffer, password: string): Promise<EncryptedSecret> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, 32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(secret), cipher.final()]);
  return {
    v: 1,
    kdf: 'scrypt',
    n: N,
    r: R,
    p: P,
    salt: salt.toString('base64'),
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

/** A wrong password fails GCM authentication: nothing is returned, and the caller learns only that. */
export async function decryptSecret(enc: EncryptedSecret, password: string): Promise<Buffer> {
  const key = await derive(password, Buffer.from(enc.salt, 'base64'), 32, enc.n, enc.r, enc.p);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(enc.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(enc.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(enc.data, 'base64')), decipher.final()]);
  } catch {
    throw new AppError('user.wrong-password', 'the password does not unlock this signing key');
  }
}
