import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError } from '@shared/errors/app-error';
import { OID } from './tsa-oids';

/** A random 8-byte nonce that is a positive, minimally encoded DER INTEGER (first byte 0x01–0x7f). */
export function randomNonce(): Buffer {
  const nonce = randomBytes(8);
  nonce[0] = ((nonce[0] ?? 0) % 0x7f) + 1;
  return nonce;
}

/** The DER TimeStampReq (v1, SHA-256 imprint, nonce, certReq TRUE) that requestTimestamp sends. */
export function buildTimestampRequest(sha256: Buffer, nonce: Buffer): Buffer {
  assertSha256(sha256);
  assertNonce(nonce);
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      // Parameters absent, as RFC 5754 §2 asks for SHA-2 and as OpenSSL writes them.
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: sha256 }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true,
  });
  return Buffer.from(request.toSchema().toBER(false));
}

export function assertSha256(sha256: Buffer): void {
  if (!Buffer.isBuffer(sha256) || sha256.length !== 32) {
    throw new AppError('input.invalid', 'a SHA-256 digest is 32 bytes');
  }
}

function assertNonce(nonce: Buffer): void {
  // DESIGN §11: a leading 0x00 is a non-minimal DER INTEGER that OpenSSL rejects; 0x80+ is negative.
  const first = nonce[0];
  if (nonce.length < 1 || nonce.length > 32 || first === undefined || first < 0x01 || first > 0x7f) {
    throw new AppError('input.invalid', 'the nonce must be 1–32 bytes with a first byte of 0x01–0x7f');
  }
}
