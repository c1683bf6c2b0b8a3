import type { LexiconHit } from '@shared/domain/indicators';
import { foldText, foldTerm, isWordUnit } from './text-fold';
import type { Lexicon } from './types';

/**
 * Coded-term matching on the folded skeleton (text-fold.ts), reported in ORIGINAL offsets. Rules:
 *   - a term whose edge is a letter matches only at a word edge there: not inside a longer word,
 *     unless the term says `prefix` (then any ending is allowed and the hit is the whole word)
 *   - an Arabic term may follow a one-letter proclitic or the article (و ف ب ل ك ال وال بال فال كال)
 *   - a Latin or Cyrillic term must keep at least one letter of its own script in the match: look-alike
 *     folding catches "сoль" with a Latin o, but the Russian word "рот" is not the English "pot"
 *   - at one position the longest skeleton wins; every term with that skeleton is reported
 */
type Script = 'latin' | 'cyrillic' | 'other';
type Entry = Readonly<{
  skeleton: string;
  lexicon: Lexicon;
  termId: string;
  term: string;
  prefix: boolean;
  leftEdge: boolean;
  rightEdge: boolean;
  arabic: boolean;
  script: Script;
}>;
/**
 * One fold table's terms, by the first unit of their skeleton. The scan asks two cheap tables before
 * touching a list: `pairs`, a filter on the first two units (a term's one unit and any next unit
 * when it has only one), and `edgeless`, where a term that needs no word edge (an emoji) starts.
 */
type Group = Readonly<{ byFirst: Map<number, Entry[]>; pairs: Uint8Array; edgeless: Uint8Array }>;

const ANY_NEXT = -1;
function pairSlot(c0: number, c1: number): number {
  return (Math.imul(c0, 31) + c1) & 0xffff;
}

export type CompiledLexicons = Readonly<{ group: Group; lexicons: readonly Lexicon[] }>;

const ARABIC_LETTER = /[\u0620-\u064a\u066e-\u06d3]/;
const PROCLITICS: readonly string[] = ['وال', 'بال', 'فال', 'كال', 'ال', 'و', 'ف', 'ب', 'ل', 'ك'].map((p) =>
  foldTerm(p),
);
const PROCLITIC_FIRST: ReadonlySet<number> = new Set(PROCLITICS.map((p) => p.charCodeAt(0)));

function scriptOf(term: string): Script {
  const m = /\p{L}/u.exec(term);
  if (m === null) return 'other';
  if (/\p{Script=Latin}/u.test(m[0])) return 'latin';
  if (/\p{Script=Cyrillic}/u.test(m[0])) return 'cyrillic';
  return 'other';
}

/**
 * A lexicon that folds ة onto ه gets every spelling of its terms' ه/ة letters as skeletons (at most 16),
 * so one skeleton of the text serves every lexicon.
 */
function spellings(skeleton: string, taMarbuta: boolean): string[] {
  if (!taMarbuta) return [skeleton];
  let out = [''];
  for (const ch of skeleton) {
    const alternatives = (ch === 'ه' || ch === 'ة') && out.length < 16 ? ['ه', 'ة'] : [ch];
    out = out.flatMap((prefix) => alternatives.map((a) => prefix + a));
  }
  return out;
}

export function compileLexicons(lexicons: readonly Lexicon[]): CompiledLexicons {
  const byFirst = new Map<number, Entry[]>();
  for (const lexicon of lexicons) {
    for (const t of lexicon.terms) {
      const forms = [t.term, ...t.variants].map((f) => foldTerm(f));
      const skeletons = new Set(forms.flatMap((f) => spellings(f, lexicon.foldTaMarbuta)));
      for (const skeleton of skeletons) {
        if (skeleton === '') continue;
        const entry: Entry = {
          skeleton,
          lexicon,
          termId: t.id,
          term: t.term,
          prefix: t.prefix,
          leftEdge: isWordUnit(skeleton.charCodeAt(0)),
          rightEdge: isWordUnit(skeleton.charCodeAt(skeleton.length - 1)),
          arabic: ARABIC_LETTER.test(skeleton),
          script: scriptOf(t.term),
        };
        const first = skeleton.charCodeAt(0);
        const list = byFirst.get(first) ?? [];
        list.push(entry);
        byFirst.set(first, list);
      }
    }
  }
  for (const list of byFirst.values()) list.sort((a, b) => b.skeleton.length - a.skeleton.length);
  const pairs = new Uint8Array(65536);
  const edgeless = new Uint8Array(65536);
  for (const [k, list] of byFirst) {
    for (const e of list) {
      const second = e.skeleton.length > 1 ? e.skeleton.charCodeAt(1) : ANY_NEXT;
      if (second === ANY_NEXT) for (let c1 = 0; c1 < 65536; c1++) pairs[pairSlot(k, c1)] = 1;
      else pairs[pairSlot(k, second)] = 1;
    }
    if (list.some((e) => !e.leftEdge)) edgeless[k] = 1;
  }
  return { group: { byFirst, pairs, edgeless }, lexicons };
}

function isCompiled(x: CompiledLexicons | readonly Lexicon[]): x is CompiledLexicons {
  return !Array.isArray(x);
}

/** Every coded-term hit in `text`, ordered by offset. */
export function matchLexicons(
  text: string,
  lexicons: CompiledLexicons | readonly Lexicon[],
): ReadonlyArray<LexiconHit> {
  const compiled = isCompiled(lexicons) ? lexicons : compileLexicons(lexicons);
  const hits: LexiconHit[] = [];
  if (compiled.group.byFirst.size > 0) matchGroup(text, compiled.group, hits);
  return hits.sort((a, b) => a.offset - b.offset || a.lexiconId.localeCompare(b.lexiconId));
}

function matchGroup(text: string, group: Group, hits: LexiconHit[]): void {
  const { text: skel, origin } = foldText(text);
  const n = skel.length;
  const { pairs, edgeless } = group;
  let prevWord = false;
  for (let i = 0; i < n; i++) {
    const c = skel.charCodeAt(i);
    const wordStart = !prevWord;
    prevWord = isWordUnit(c);
    // Most terms start at a word start; inside a word only edgeless terms (emoji) can begin.
    if (wordStart || edgeless[c] === 1) {
      if (pairs[pairSlot(c, skel.charCodeAt(i + 1) | 0)] !== 1) {
        if (!(wordStart && PROCLITIC_FIRST.has(c))) continue;
      } else {
        const len = tryAt(text, skel, origin, i, wordStart, false, group, hits);
        if (len > 0) {
          i += len - 1;
          prevWord = isWordUnit(skel.charCodeAt(i));
          continue;
        }
      }
    } else continue;
    // An Arabic word may carry a proclitic (و ب ال …) before the term.
    if (wordStart && PROCLITIC_FIRST.has(c)) {
      for (const p of PROCLITICS) {
        const at = i + p.length;
        if (
          pairs[pairSlot(skel.charCodeAt(at) | 0, skel.charCodeAt(at + 1) | 0)] !== 1 ||
          !skel.startsWith(p, i)
        )
          continue;
        const len = tryAt(text, skel, origin, i + p.length, true, true, group, hits);
        if (len > 0) {
          i += p.length + len - 1;
          prevWord = isWordUnit(skel.charCodeAt(i));
          break;
        }
      }
    }
  }
}

/** Hits of the longest term at skeleton position i; returns its length (0: none). */
function tryAt(
  text: string,
  skel: string,
  origin: Int32Array,
  i: number,
  atEdge: boolean,
  afterProclitic: boolean,
  group: Group,
  hits: LexiconHit[],
): number {
  const candidates = group.byFirst.get(skel.charCodeAt(i)) ?? [];
  const n = skel.length;
  let bestLength = 0;
  for (const e of candidates) {
    const len = e.skeleton.length;
    if (len < bestLength) break;
    if (e.leftEdge && !atEdge) continue;
    if (afterProclitic && !e.arabic) continue;
    if (!skel.startsWith(e.skeleton, i)) continue;
    if (e.rightEdge && !e.prefix && i + len < n && isWordUnit(skel.charCodeAt(i + len))) continue;
    // A prefix term's hit is the whole word it begins ("закладк" → "закладками").
    let end = i + len;
    if (e.prefix) while (end < n && isWordUnit(skel.charCodeAt(end))) end += 1;
    const start = origin[i] ?? 0;
    const span = trimEnd(text, start, origin[end] ?? text.length);
    if (!scriptKept(text.slice(start, span), e.script)) continue;
    bestLength = len;
    hits.push({
      lexiconId: e.lexicon.id,
      lexiconVersion: e.lexicon.version,
      termId: e.termId,
      term: e.term,
      category: e.lexicon.category,
      language: e.lexicon.language,
      offset: start,
      length: span - start,
    });
  }
  return bestLength;
}

/** The span ends at the next kept character; give back trailing spaces it may have taken. */
function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start + 1 && /\s/.test(text.charAt(e - 1))) e -= 1;
  return e;
}

function scriptKept(original: string, script: Script): boolean {
  if (script === 'latin') return /\p{Script=Latin}/u.test(original);
  if (script === 'cyrillic') return /\p{Script=Cyrillic}/u.test(original);
  return true;
}
