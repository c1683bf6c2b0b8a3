/**
 * The matching skeleton of a text: one table lookup per UTF-16 code unit, so folding is linear and
 * the skeleton keeps a map back to the original offsets (a hit is always reported in the ORIGINAL
 * text). What folds:
 *   - case (per code unit, only where lower-casing keeps one unit), ё → е
 *   - Arabic: alef forms أ إ آ ٱ → ا, ؤ → و, ئ ى ی → ي, ک → ك; tatweel, harakat and Quranic marks
 *     dropped (ة and ه stay apart: they distinguish words; a lexicon may opt in to both spellings)
 *   - Cyrillic letters that look like Latin ones (а е о р с х у і ј ѕ һ ԁ ӏ and the capitals that
 *     look alike: в к м н т) → the Latin letter, so "сoль" with a Latin o folds like "соль"
 *   - invisible characters dropped: variation selectors (❄️ = ❄), zero-width space/non-joiner, bidi
 *     marks, soft hyphen. The zero-width joiner stays: it is part of emoji sequences.
 */
export type FoldTable = Readonly<{ map: Uint16Array }>;

const DROPPED = 0;

function buildTable(): FoldTable {
  const map = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      map[c] = c; // surrogate halves pass through: astral characters (emoji) compare unit by unit
      continue;
    }
    const lower = String.fromCharCode(c).toLowerCase();
    map[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
  }
  const set = (from: string, to: string | null): void => {
    for (const ch of from) map[ch.charCodeAt(0)] = to === null ? DROPPED : to.charCodeAt(0);
  };
  // Invisible marks.
  set(
    '\ufe0e\ufe0f\u200b\u200c\u200e\u200f\u00ad\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\ufeff',
    null,
  );
  // Arabic.
  set('\u0640', null); // tatweel
  for (let c = 0x064b; c <= 0x065f; c++) map[c] = DROPPED; // harakat, shadda, sukun, hamza marks
  map[0x0670] = DROPPED; // superscript alef
  for (let c = 0x06d6; c <= 0x06ed; c++) if (c !== 0x06e5 && c !== 0x06e6) map[c] = DROPPED;
  set('أإآٱ', 'ا');
  set('ؤ', 'و');
  set('ئىی', 'ي');
  set('ک', 'ك');
  // Cyrillic ↔ Latin look-alikes, onto the Latin letter (after case folding, so capitals are covered).
  set('ё', 'е');
  const lookalikes: readonly (readonly [string, string])[] = [
    ['аА', 'a'],
    ['еЕёЁ', 'e'],
    ['оО', 'o'],
    ['рР', 'p'],
    ['сС', 'c'],
    ['хХ', 'x'],
    ['уУ', 'y'],
    ['іІ', 'i'],
    ['јЈ', 'j'],
    ['ѕЅ', 's'],
    ['һҺ', 'h'],
    ['ԁ', 'd'],
    ['ӏӀ', 'l'],
    ['вВ', 'b'],
    ['кК', 'k'],
    ['мМ', 'm'],
    ['нН', 'h'],
    ['тТ', 't'],
  ];
  for (const [from, to] of lookalikes) set(from, to);
  return { map };
}

export const FOLD_DEFAULT: FoldTable = buildTable();

/** Letters, marks and digits: what a word is made of (per code unit; surrogates are not). */
const WORD = new Uint8Array(65536);
{
  const re = /[\p{L}\p{M}\p{N}]/u;
  for (let c = 0; c < 0xd800; c++) if (re.test(String.fromCharCode(c))) WORD[c] = 1;
  for (let c = 0xe000; c < 65536; c++) if (re.test(String.fromCharCode(c))) WORD[c] = 1;
  WORD[0x5f] = 0;
}
export function isWordUnit(code: number): boolean {
  return WORD[code] === 1;
}

export type Folded = Readonly<{
  /** The skeleton. */
  text: string;
  /** Original offset of each skeleton unit; one extra entry: the original length. */
  origin: Int32Array;
}>;

const decoder = new TextDecoder('utf-16le');

export function foldText(text: string, table: FoldTable = FOLD_DEFAULT): Folded {
  const n = text.length;
  const units = new Uint16Array(n);
  const origin = new Int32Array(n + 1);
  const map = table.map;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const f = map[text.charCodeAt(i)] ?? DROPPED;
    if (f === DROPPED) continue;
    units[k] = f;
    origin[k] = i;
    k += 1;
  }
  origin[k] = n;
  return { text: decoder.decode(units.subarray(0, k)), origin: origin.subarray(0, k + 1) };
}

/** The skeleton of a term (no offsets needed). */
export function foldTerm(term: string, table: FoldTable = FOLD_DEFAULT): string {
  return foldText(term, table).text;
}
