import { createHash, createHmac, type KeyObject } from 'node:crypto';
import { AppError } from '@shared/errors/app-error';

/**
 * ECDSA P-256 / SHA-256 with the nonce derived as RFC 6979 §3.2 describes. Node's `crypto.sign` picks
 * a random nonce, so two exports of the same evidence would differ in SHA256SUMS.sig; a deterministic
 * nonce makes the signature (and so the whole bundle) reproducible byte for byte. The output is the
 * same DER ECDSA-Sig-Value that `openssl dgst -sha256 -verify` and Node's `verify` accept.
 */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const A = P - 3n;
const GX = 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n;
const GY = 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n;

type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint, m: bigint): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

function add(p: Point, q: Point): Point {
  if (p === null) return q;
  if (q === null) return p;
  if (p.x === q.x) {
    if (mod(p.y + q.y, P) === 0n) return null;
    const l = mod((3n * p.x * p.x + A) * inverse(2n * p.y, P), P);
    const x = mod(l * l - 2n * p.x, P);
    return { x, y: mod(l * (p.x - x) - p.y, P) };
  }
  const l = mod((q.y - p.y) * inverse(q.x - p.x, P), P);
  const x = mod(l * l - p.x - q.x, P);
  return { x, y: mod(l * (p.x - x) - p.y, P) };
}

function multiply(k: bigint): Point {
  let result: Point = null;
  let addend: Point = { x: GX, y: GY };
  let n = k;
  while (n > 0n) {
    if (n & 1n) result = add(result, addend);
    addend = add(addend, addend);
    n >>= 1n;
  }
  return result;
}

const toInt = (b: Buffer): bigint => (b.length === 0 ? 0n : BigInt(`0x${b.toString('hex')}`));
const toOctets = (v: bigint): Buffer => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');

function derInteger(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** The private scalar of a P-256 key. */
function scalarOf(privateKey: KeyObject): bigint {
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new AppError('custody.key-missing', 'the signing key is not an ECDSA P-256 private key');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string')
    throw new AppError('custody.key-missing', 'the signing key has no private part');
  return toInt(Buffer.from(jwk.d, 'base64url'));
}

/** Signs with an explicit scalar; exported for the RFC 6979 test vectors. */
export function signDeterministicScalar(d: bigint, data: Buffer): { der: Buffer; k: bigint } {
  const h1 = createHash('sha256').update(data).digest();
  const e = toInt(h1);
  const x = toOctets(d);
  const h1Octets = toOctets(mod(e, N));
  let v = Buffer.alloc(32, 0x01);
  let k = Buffer.alloc(32, 0x00);
  const hmac = (key: Buffer, ...parts: Buffer[]) => {
    const h = createHmac('sha256', key);
    for (const part of parts) h.update(part);
    return h.digest();
  };
  k = hmac(k, v, Buffer.from([0x00]), x, h1Octets);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.from([0x01]), x, h1Octets);
  v = hmac(k, v);
  for (;;) {
    v = hmac(k, v);
    const candidate = toInt(v);
    if (candidate >= 1n && candidate < N) {
      const point = multiply(candidate);
      if (point !== null) {
        const r = mod(point.x, N);
        const s = mod(inverse(candidate, N) * (e + r * d), N);
        if (r !== 0n && s !== 0n) {
          const body = Buffer.concat([derInteger(r), derInteger(s)]);
          return { der: Buffer.concat([Buffer.from([0x30, body.length]), body]), k: candidate };
        }
      }
    }
    k = hmac(k, v, Buffer.from([0x00]));
    v = hmac(k, v);
  }
}

/** DER ECDSA signature of SHA-256(data) with an RFC 6979 nonce: same key and data → same bytes. */
export function signDeterministic(privateKey: KeyObject, data: Buffer): Buffer {
  return signDeterministicScalar(scalarOf(privateKey), data).der;
}
