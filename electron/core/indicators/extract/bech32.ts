/**
 * Segwit addresses: Bech32 (BIP-173) for witness version 0 and Bech32m (BIP-350) for versions 1–16,
 * with the witness program rules of BIP-141 (v0 is 20 or 32 bytes, any program 2–40 bytes). A
 * string is accepted only if every rule holds, including the checksum constant its version demands.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const CHARSET_REV = new Int8Array(128).fill(-1);
for (let i = 0; i < CHARSET.length; i++) CHARSET_REV[CHARSET.charCodeAt(i)] = i;

const BECH32_CONST = 1;
const BECH32M_CONST = 0x2bc830a3;
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3] as const;

function polymod(values: readonly number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ GEN[i]!) >>> 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) >> 5);
  out.push(0);
  for (let i = 0; i < hrp.length; i++) out.push(hrp.charCodeAt(i) & 31);
  return out;
}

export type Bech32Encoding = 'bech32' | 'bech32m';

/** Decodes a Bech32/Bech32m string: hrp, 5-bit data without the checksum, and which constant held. */
export function bech32Decode(s: string): { hrp: string; data: number[]; encoding: Bech32Encoding } | null {
  if (s.length > 90) return null;
  let lower = false;
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) return null;
    if (c >= 97 && c <= 122) lower = true;
    if (c >= 65 && c <= 90) upper = true;
  }
  if (lower && upper) return null;
  const str = s.toLowerCase();
  const sep = str.lastIndexOf('1');
  if (sep < 1 || sep + 7 > str.length) return null;
  const hrp = str.slice(0, sep);
  const data: number[] = [];
  for (let i = sep + 1; i < str.length; i++) {
    const c = str.charCodeAt(i);
    const v = c < 128 ? (CHARSET_REV[c] ?? -1) : -1;
    if (v < 0) return null;
    data.push(v);
  }
  const check = polymod([...hrpExpand(hrp), ...data]);
  const encoding: Bech32Encoding | null =
    check === BECH32_CONST ? 'bech32' : check === BECH32M_CONST ? 'bech32m' : null;
  if (encoding === null) return null;
  return { hrp, data: data.slice(0, -6), encoding };
}

function convertBits(data: readonly number[], from: number, to: number, pad: boolean): number[] | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (const v of data) {
    acc = (acc << from) | v;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & maxv);
    }
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) return null;
  return out;
}

/** Segwit network prefixes accepted: mainnet and testnet. */
export const SEGWIT_HRPS: ReadonlySet<string> = new Set(['bc', 'tb']);

/** A decoded segwit address, or null if any BIP-173/350/141 rule fails. */
export function decodeSegwitAddress(s: string): { hrp: string; version: number; program: Uint8Array } | null {
  const dec = bech32Decode(s);
  if (dec === null || !SEGWIT_HRPS.has(dec.hrp) || dec.data.length < 1) return null;
  const version = dec.data[0]!;
  if (version > 16) return null;
  if ((version === 0) !== (dec.encoding === 'bech32')) return null;
  const program = convertBits(dec.data.slice(1), 5, 8, false);
  if (program === null || program.length < 2 || program.length > 40) return null;
  if (version === 0 && program.length !== 20 && program.length !== 32) return null;
  return { hrp: dec.hrp, version, program: Uint8Array.from(program) };
}
