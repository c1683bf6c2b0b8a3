import type { KeyObject } from 'node:crypto';
import { AppError } from '@shared/errors/app-error';
import { sha256Hex, signEs256, verifyEs256 } from '../custody/signing';

/**
 * Every request of a capture worker is signed by its workstation key: ES256 over the method, the
 * path, the time and the SHA-256 of the body. The server holds no worker secret to steal, and a
 * request is bound to its body (an upload cannot be swapped in transit by a proxy that ends TLS).
 * The time window bounds replays; a replayed claim or upload can only repeat what the worker asked.
 */

export const WORKER_HEADERS = {
  key: 'x-vigil-worker-key',
  time: 'x-vigil-worker-time',
  body: 'x-vigil-worker-body-sha256',
  signature: 'x-vigil-worker-signature',
} as const;

/** How far a request's time may be from the server's clock. */
export const MAX_SKEW_MS = 120_000;

const signedText = (method: string, path: string, time: string, bodySha256: string): string =>
  ['vigil-worker-request/1', method.toUpperCase(), path, time, bodySha256].join('\n');

export type RequestSigner = Readonly<{ keyId: string; privateKey: KeyObject; clock: () => Date }>;

export function signRequest(
  signer: RequestSigner,
  method: string,
  path: string,
  bodySha256: string,
): Record<string, string> {
  const time = signer.clock().toISOString();
  return {
    [WORKER_HEADERS.key]: signer.keyId,
    [WORKER_HEADERS.time]: time,
    [WORKER_HEADERS.body]: bodySha256,
    [WORKER_HEADERS.signature]: signEs256(
      signer.privateKey,
      signedText(method, path, time, bodySha256),
    ).toString('base64'),
  };
}

export const bodyHash = (body: Buffer | string): string => sha256Hex(body);

export type SignedHeaders = Readonly<{ keyId: string; time: string; bodySha256: string; signature: string }>;

export function signedHeadersOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): SignedHeaders {
  const one = (name: string): string => {
    const value = headers[name];
    if (typeof value !== 'string' || value === '')
      throw new AppError('auth.bad-token', `a worker request needs the ${name} header`);
    return value;
  };
  return {
    keyId: one(WORKER_HEADERS.key),
    time: one(WORKER_HEADERS.time),
    bodySha256: one(WORKER_HEADERS.body),
    signature: one(WORKER_HEADERS.signature),
  };
}

/** Throws auth.bad-token unless the signature is the key's and the time is within the window. */
export function verifySignedRequest(
  publicKeyPem: string,
  signed: SignedHeaders,
  request: Readonly<{ method: string; path: string; now: Date }>,
): void {
  const at = Date.parse(signed.time);
  if (Number.isNaN(at) || Math.abs(request.now.getTime() - at) > MAX_SKEW_MS)
    throw new AppError(
      'auth.bad-token',
      'the worker request is outside the time window (check the worker clock)',
    );
  const text = signedText(request.method, request.path, signed.time, signed.bodySha256);
  if (!verifyEs256(publicKeyPem, text, Buffer.from(signed.signature, 'base64')))
    throw new AppError('auth.bad-token', 'the worker request signature does not verify');
}
