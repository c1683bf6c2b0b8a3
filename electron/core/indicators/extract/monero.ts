import { keccak_256 } from '@noble/hashes/sha3';
import { base58Digit } from './base58';

/**
 * Monero addresses: Monero's own base58 (8-byte blocks → 11 characters, a short last block), a
 * network byte (18 standard, 19 integrated, 42 subaddress on mainnet), two 32-byte public keys, an
 * 8-byte payment id for integrated addresses, and the first 4 bytes of keccak-256 as checksum.
 */
const FULL_BLOCK_CHARS = 11;
/** Encoded length of a block of n bytes (index n) → n; -1 where no block has that length. */
const BYTES_OF_CHARS = [0, -1, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8] as const;

const NETWORK_BYTES: Readonly<Record<number, { length: number }>> = {
  18: { length: 95 },
  19: { length: 106 },
  42: { length: 95 },
};

function decodeBlock(s: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  const size = BYTES_OF_CHARS[end - start] ?? -1;
  if (size <= 0) return false;
  let n = 0n;
  for (let i = start; i < end; i++) {
    const d = base58Digit(s.charCodeAt(i));
    if (d < 0) return false;
    n = n * 58n + BigInt(d);
  }
  if (n >> BigInt(size * 8) !== 0n) return false;
  for (let i = size - 1; i >= 0; i--) {
    out[at + i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return true;
}

export function moneroBase58Decode(s: string): Uint8Array | null {
  const full = Math.floor(s.length / FULL_BLOCK_CHARS);
  const rest = s.length % FULL_BLOCK_CHARS;
  const restBytes = BYTES_OF_CHARS[rest] ?? -1;
  if (restBytes < 0) return null;
  const out = new Uint8Array(full * 8 + restBytes);
  for (let b = 0; b < full; b++)
    if (!decodeBlock(s, b * FULL_BLOCK_CHARS, (b + 1) * FULL_BLOCK_CHARS, out, b * 8)) return null;
  if (rest > 0 && !decodeBlock(s, full * FULL_BLOCK_CHARS, s.length, out, full * 8)) return null;
  return out;
}

/** True when `s` is a mainnet Monero address whose structure and checksum hold. */
export function isMoneroAddress(s: string): boolean {
  const bytes = moneroBase58Decode(s);
  if (bytes === null || bytes.length < 5) return false;
  const net = NETWORK_BYTES[bytes[0] ?? -1];
  if (net === undefined || net.length !== s.length) return false;
  const body = bytes.subarray(0, bytes.length - 4);
  const hash = keccak_256(body);
  for (let i = 0; i < 4; i++) if (hash[i] !== bytes[body.length + i]) return false;
  return true;
}
