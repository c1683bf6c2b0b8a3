import { keccak_256 } from '@noble/hashes/sha3';
import { base58CheckDecode } from './base58';
import { decodeSegwitAddress } from './bech32';
import { isMoneroAddress } from './monero';
import type { IndicatorType } from './types';

/**
 * Crypto wallet addresses, each accepted only when its chain's checksum holds: Bitcoin Base58Check
 * (P2PKH version 0x00, P2SH 0x05) and segwit Bech32/Bech32m, Ethereum with EIP-55 when it
 * is written in mixed case, TRON Base58Check with the 0x41 prefix, Monero structure + keccak. One
 * scan finds candidate tokens; the validators decide.
 */
export type Found = { type: IndicatorType; value: string; offset: number; length: number };

// One pass finds every run of 14+ ASCII letters and digits (the shortest segwit address has 14); a
// run is always taken whole, so a fragment of a longer token is never a candidate. Prose rarely has
// such runs, so the validators below see few strings.
const LONG_TOKEN = /[0-9A-Za-z]{14,}/g;
const HEX = /^[0-9a-fA-F]+$/;
const SEGWIT_START = /^(?:bc|tb)1/i;

const BTC_VERSIONS: ReadonlySet<number> = new Set([0x00, 0x05]);
const TRON_PREFIX = 0x41;

/** The kind of a base58 string if it is a valid BTC, TRON or Monero address. */
export function classifyBase58(s: string): 'btc' | 'trx' | 'xmr' | null {
  const first = s.charCodeAt(0);
  if ((first === 52 || first === 56) && (s.length === 95 || s.length === 106))
    return isMoneroAddress(s) ? 'xmr' : null;
  if (s.length < 26 || s.length > 35) return null;
  const payload = base58CheckDecode(s);
  if (payload === null || payload.length !== 21) return null;
  const version = payload[0] ?? -1;
  if (first === 84 /* T */ && version === TRON_PREFIX) return 'trx';
  if ((first === 49 || first === 51) && BTC_VERSIONS.has(version)) return 'btc';
  return null;
}

/** EIP-55: a mixed-case address must carry the checksum; one case only is an unchecksummed address. */
export function isEthereumAddress(s: string): boolean {
  if (!/^0x[0-9a-fA-F]{40}$/.test(s)) return false;
  const hex = s.slice(2);
  const lower = hex.toLowerCase();
  if (hex === lower || hex === hex.toUpperCase()) return true;
  const hash = keccak_256(new TextEncoder().encode(lower));
  for (let i = 0; i < 40; i++) {
    const c = hex.charCodeAt(i);
    if (c < 58) continue; // a digit has no case
    const nibble = ((hash[i >> 1] ?? 0) >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    const upper = c < 97;
    if (upper !== nibble >= 8) return false;
  }
  return true;
}

export function isSegwitAddress(s: string): boolean {
  return decodeSegwitAddress(s) !== null;
}

/** Wallets, and Session IDs (66 hex digits starting 05), which have the same token shape. */
export function findCryptoAddresses(text: string, out: Found[]): void {
  for (const m of text.matchAll(LONG_TOKEN)) {
    const token = m[0];
    const offset = m.index;
    const length = token.length;
    const first = token.charCodeAt(0);
    if (first === 48 /* 0 */) {
      if (length === 42 && token[1] === 'x') {
        if (isEthereumAddress(token)) out.push({ type: 'eth', value: token.toLowerCase(), offset, length });
      } else if (length === 66 && token[1] === '5' && HEX.test(token))
        out.push({ type: 'session', value: token.toLowerCase(), offset, length });
      continue;
    }
    if (SEGWIT_START.test(token)) {
      if (isSegwitAddress(token)) out.push({ type: 'btc', value: token.toLowerCase(), offset, length });
      continue;
    }
    if (length >= 26 && length <= 106) {
      const type = classifyBase58(token);
      if (type !== null) out.push({ type, value: token, offset, length });
    }
  }
}
