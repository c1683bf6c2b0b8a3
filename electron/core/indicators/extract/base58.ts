import { createHash } from 'node:crypto';

/**
 * Base58 (the Bitcoin alphabet) and Base58Check, as Bitcoin and TRON addresses use them. Decoding
 * returns null for anything that is not base58; a check failure is null too: a string whose checksum
 * does not hold is not an address, however much it looks like one.
 */
export const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE58_ALPHABET.length; i++) DIGIT[BASE58_ALPHABET.charCodeAt(i)] = i;

/** The value of one base58 character, or -1. */
export function base58Digit(code: number): number {
  return code < 128 ? (DIGIT[code] ?? -1) : -1;
}

export function base58Decode(s: string): Uint8Array | null {
  // Big-endian base conversion in place (addresses are short: quadratic is fine and allocation-free).
  const bytes: number[] = [];
  let zeros = 0;
  while (zeros < s.length && s.charCodeAt(zeros) === 49 /* '1' */) zeros += 1;
  for (let i = zeros; i < s.length; i++) {
    let carry = base58Digit(s.charCodeAt(i));
    if (carry < 0) return null;
    for (let j = 0; j < bytes.length; j++) {
      carry += (bytes[j] ?? 0) * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  const out = new Uint8Array(zeros + bytes.length);
  for (let i = 0; i < bytes.length; i++) out[zeros + i] = bytes[bytes.length - 1 - i] ?? 0;
  return out;
}

function sha256(data: Uint8Array): Uint8Array {
  return createHash('sha256').update(data).digest();
}

/** The payload (version byte + data) of a Base58Check string, or null if it does not check. */
export function base58CheckDecode(s: string): Uint8Array | null {
  const raw = base58Decode(s);
  if (raw === null || raw.length < 5) return null;
  const payload = raw.subarray(0, raw.length - 4);
  const check = sha256(sha256(payload));
  for (let i = 0; i < 4; i++) if (check[i] !== raw[raw.length - 4 + i]) return null;
  return payload;
}
