import { describe, expect, test } from 'vitest';
import { extractIndicators } from '@core/indicators/extract';
import { BASE58_ALPHABET } from '@core/indicators/extract/base58';
import { bech32Decode, decodeSegwitAddress } from '@core/indicators/extract/bech32';
import { classifyBase58, isEthereumAddress } from '@core/indicators/extract/crypto-addresses';
import { isMoneroAddress } from '@core/indicators/extract/monero';

// BIP-350 "Test vectors for v0-v16 native segregated witness addresses" (valid: v0 is Bech32, v1+ Bech32m).
const SEGWIT_VALID = [
  'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4',
  'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
  'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y',
  'BC1SW50QGDZ25J',
  'bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs',
  'tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy',
  'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c',
  'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
];
// BIP-350 invalid segwit addresses, each for its listed reason.
const SEGWIT_INVALID = [
  'tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', // invalid human-readable part
  'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', // Bech32 instead of Bech32m
  'tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf', // Bech32 instead of Bech32m
  'BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL', // Bech32 instead of Bech32m
  'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', // Bech32m instead of Bech32
  'tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47', // Bech32m instead of Bech32
  'bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4', // invalid character in checksum
  'BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R', // invalid witness version
  'bc1pw5dgrnzv', // program length 1
  'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav', // program length 41
  'BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', // v0 program length 16
  'tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq', // mixed case
  'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf', // zero padding of more than 4 bits
  'tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j', // non-zero padding
  'bc1gmk9yu', // empty data section
];
// BIP-173/350 checksum vectors: valid Bech32 strings are not valid Bech32m and vice versa.
const BECH32_STRINGS = ['A12UEL5L', 'a12uel5l', 'abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw'];
const BECH32M_STRINGS = ['A1LQFN3A', 'a1lqfn3a', 'abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx'];
const BECH32M_INVALID = [
  'qyrz8wqd2c9m',
  '1qyrz8wqd2c9m',
  'y1b0jsk6g',
  'lt1igcx5c0',
  'in1muywd',
  'M1VUXWEZ',
  '16plkw9',
];

// Bitcoin wiki / genesis block P2PKH, P2SH example; USDT's TRC-20 contract; the Monero General Fund.
const BTC_BASE58 = ['1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'];
const TRON = ['TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'];
const MONERO = [
  '44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A',
];
// EIP-55 examples (all mixed case) and the spec's all-caps / all-lower unchecksummed forms.
const EIP55 = [
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
];
const ETH_UNCHECKSUMMED = [
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0xde709f2102306220921060314715629080e2fb77',
];

/** Every string that differs from `s` in exactly one position, within `alphabet`. */
function oneCharMutations(s: string, alphabet: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const at = alphabet.indexOf(s[i] ?? '');
    if (at < 0) continue;
    out.push(s.slice(0, i) + (alphabet[(at + 1) % alphabet.length] ?? '') + s.slice(i + 1));
  }
  return out;
}

describe('Bitcoin segwit (BIP-173 / BIP-350)', () => {
  test.each(SEGWIT_VALID)('valid %s', (a) => expect(decodeSegwitAddress(a)).not.toBeNull());
  test.each(SEGWIT_INVALID)('invalid %s', (a) => expect(decodeSegwitAddress(a)).toBeNull());
  test('Bech32 and Bech32m checksums are told apart; malformed strings are refused', () => {
    for (const s of BECH32_STRINGS) expect(bech32Decode(s)?.encoding).toBe('bech32');
    for (const s of BECH32M_STRINGS) expect(bech32Decode(s)?.encoding).toBe('bech32m');
    for (const s of BECH32M_INVALID) expect(bech32Decode(s)).toBeNull();
  });
  test('the witness program is decoded (BIP-350 scriptPubKey)', () => {
    const d = decodeSegwitAddress('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0');
    expect(d?.version).toBe(1);
    expect(Buffer.from(d?.program ?? []).toString('hex')).toBe(
      '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    );
  });
  test('every one-character change of a valid address fails', () => {
    const charset = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
    for (const a of SEGWIT_VALID) {
      const lower = a.toLowerCase();
      const data = lower.slice(lower.lastIndexOf('1') + 1);
      for (const m of oneCharMutations(data, charset))
        expect(decodeSegwitAddress(lower.slice(0, lower.lastIndexOf('1') + 1) + m), m).toBeNull();
    }
  });
});

describe('Base58Check: Bitcoin P2PKH/P2SH and TRON', () => {
  test('valid addresses are classified by chain', () => {
    for (const a of BTC_BASE58) expect(classifyBase58(a)).toBe('btc');
    for (const a of TRON) expect(classifyBase58(a)).toBe('trx');
  });
  test('every one-character change fails the checksum', () => {
    for (const a of [...BTC_BASE58, ...TRON])
      for (const m of oneCharMutations(a, BASE58_ALPHABET)) expect(classifyBase58(m), m).toBeNull();
  });
  test('a well-formed string of the right shape is not an address', () => {
    expect(classifyBase58('1BoatSLRHtKNngkdXEeobR76b53LETtpyT'.replace('y', 'z'))).toBeNull();
    expect(classifyBase58('T' + 'a'.repeat(33))).toBeNull();
  });
});

describe('Monero', () => {
  test('a mainnet standard address holds its structure and keccak checksum', () => {
    for (const a of MONERO) expect(isMoneroAddress(a)).toBe(true);
    for (const a of MONERO) expect(classifyBase58(a)).toBe('xmr');
  });
  test('every one-character change fails; wrong lengths fail', () => {
    for (const a of MONERO) {
      for (const m of oneCharMutations(a, BASE58_ALPHABET)) expect(isMoneroAddress(m), m).toBe(false);
      expect(isMoneroAddress(a.slice(0, -1))).toBe(false);
      expect(isMoneroAddress(a + '1')).toBe(false);
    }
  });
});

describe('Ethereum (EIP-55)', () => {
  test('checksummed and single-case addresses are accepted', () => {
    for (const a of [...EIP55, ...ETH_UNCHECKSUMMED]) expect(isEthereumAddress(a)).toBe(true);
  });
  test('changing the case of any one letter of a checksummed address fails', () => {
    for (const a of EIP55)
      for (let i = 2; i < a.length; i++) {
        const c = a[i] ?? '';
        if (!/[a-fA-F]/.test(c)) continue;
        const flipped = c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
        const m = a.slice(0, i) + flipped + a.slice(i + 1);
        // A flip can make the whole address single-case only if it had one letter: none of the vectors.
        expect(isEthereumAddress(m), m).toBe(false);
      }
  });
});

describe('addresses in text', () => {
  test('found, normalised, with offsets into the text; look-alikes and fragments are not', () => {
    const text = [
      'Оплата BTC: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa или BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4',
      'USDT (TRC20): TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t; ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      `XMR ${MONERO[0] ?? ''}`,
      'fake: 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD',
      'fragment: x1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
    ].join('\n');
    const found = extractIndicators(
      { text, url: 'https://shop.example/', links: [] },
      { defaultRegion: null },
    );
    const crypto = found.filter((f) => ['btc', 'eth', 'trx', 'xmr'].includes(f.type));
    expect(crypto.map((f) => [f.type, f.value])).toEqual([
      ['btc', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'],
      ['btc', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'],
      ['trx', 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t'],
      ['eth', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'],
      ['xmr', MONERO[0]],
    ]);
    for (const f of crypto) expect(text.slice(f.offset, f.offset + f.length)).toBe(f.raw);
    expect(crypto[1]?.raw).toBe('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4');
  });
});
