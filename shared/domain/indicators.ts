import { z } from 'zod';

/**
 * The kinds of indicator Vigil extracts from a capture, and the coded-term hit shape. One list so the
 * CLI, the contract and the UI agree on the names. A value of each type is always the normalised form
 * (see `INDICATOR_NORMAL_FORM`): the same wallet written two ways is one indicator.
 */
export const INDICATOR_TYPES = [
  'btc',
  'eth',
  'trx',
  'xmr',
  'phone',
  'telegram',
  'whatsapp',
  'signal',
  'threema',
  'session',
  'discord',
  'email',
  'domain',
] as const;
export const IndicatorType = z.enum(INDICATOR_TYPES);
export type IndicatorType = z.infer<typeof IndicatorType>;

/** Where in a capture an indicator was seen. */
export const INDICATOR_SOURCES = ['text', 'link', 'url', 'data'] as const;
export const IndicatorSource = z.enum(INDICATOR_SOURCES);
export type IndicatorSource = z.infer<typeof IndicatorSource>;

/** What the normalised value of each type looks like (for help texts and `indicator show TYPE:VALUE`). */
export const INDICATOR_NORMAL_FORM: Readonly<Record<IndicatorType, string>> = {
  btc: 'base58 address as written, or bech32/bech32m in lower case',
  eth: '0x + 40 lower-case hex digits',
  trx: 'base58 address starting with T, as written',
  xmr: 'Monero base58 address, as written',
  phone: 'E.164 (+ and digits)',
  telegram: 'lower-case username without @, or "+CODE" / "joinchat/CODE" for an invite',
  whatsapp: 'E.164 phone for wa.me links, or "chat/CODE" for a group invite',
  signal: '"p/" + E.164 for a phone-number link, or "group/…" for a group link',
  threema: 'the 8-character Threema ID in upper case',
  session: '66 lower-case hex digits starting with 05',
  discord: 'invite code, as written',
  email: 'local part as written, domain in lower case',
  domain: 'registrable host in lower-case ASCII (punycode for IDN)',
};

/**
 * Lexicon languages: ISO 639-1 (kk and others are added by shipping or importing a lexicon file), or
 * `zxx` (ISO 639-2 "no linguistic content") for codes that belong to no language, such as emoji.
 */
export const LexiconLanguage = z
  .string()
  .regex(/^(?:[a-z]{2}|zxx)$/, 'language must be an ISO 639-1 code (or zxx for emoji codes)');
export type LexiconLanguage = z.infer<typeof LexiconLanguage>;

export const LEXICON_CATEGORIES = [
  'drugs',
  'smuggling',
  'minors',
  'weapons',
  'fraud',
  'trafficking',
  'payment',
] as const;
export const LexiconCategory = z.enum(LEXICON_CATEGORIES);
export type LexiconCategory = z.infer<typeof LexiconCategory>;

/** One coded-term hit; offsets are UTF-16 code units into the ORIGINAL text. */
export const LexiconHit = z.object({
  lexiconId: z.string(),
  lexiconVersion: z.number().int().positive(),
  termId: z.string(),
  term: z.string(),
  category: LexiconCategory,
  language: LexiconLanguage,
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
});
export type LexiconHit = z.infer<typeof LexiconHit>;
