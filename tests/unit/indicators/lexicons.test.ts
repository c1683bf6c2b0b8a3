import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  LEXICON_FILE_SCHEMA,
  compileLexicons,
  loadLexiconDir,
  matchLexicons,
  parseLexiconFile,
  type Lexicon,
} from '@core/indicators/extract';

const DIR = join(__dirname, '../../../resources/lexicons');

function lexicon(language: string, terms: Lexicon['terms'], extra: Partial<Lexicon> = {}): Lexicon {
  return {
    id: `${language}-test`,
    version: 3,
    language,
    category: 'drugs',
    source: 'test',
    date: '2026-11-20',
    foldTaMarbuta: false,
    terms,
    ...extra,
  };
}
const term = (id: string, t: string, variants: string[] = [], prefix = false) => ({
  id,
  term: t,
  variants,
  prefix,
  notes: '',
});

/** The original slices of every hit, with their term ids. */
function hitsOf(text: string, lexicons: readonly Lexicon[]): [string, string][] {
  return matchLexicons(text, compileLexicons(lexicons)).map((h) => [
    h.termId,
    text.slice(h.offset, h.offset + h.length),
  ]);
}

describe('Arabic normalisation', () => {
  const ar = lexicon('ar', [
    term('thalj', 'الثلج'),
    term('abu-hilalain', 'أبو هلالين'),
    term('captagon', 'كبتاجون'),
    term('mustashfa', 'مستشفى'),
  ]);
  test('alef forms, hamza forms, tatweel and harakat fold; offsets are in the original text', () => {
    const text = 'متوفر الثَّلْج و ابو هلالين وإبو هلالين وكبتـــاجون ومستشفي';
    expect(hitsOf(text, [ar])).toEqual([
      ['thalj', 'الثَّلْج'],
      ['abu-hilalain', 'ابو هلالين'],
      ['abu-hilalain', 'إبو هلالين'],
      ['captagon', 'كبتـــاجون'],
      ['mustashfa', 'مستشفي'],
    ]);
  });
  test('proclitics (و ب ال) may precede a term; a longer word does not match', () => {
    const captagon = lexicon('ar', [term('captagon', 'كبتاجون'), term('hashish', 'حشيش')]);
    expect(hitsOf('بالكبتاجون والحشيش', [captagon])).toEqual([
      ['captagon', 'كبتاجون'],
      ['hashish', 'حشيش'],
    ]);
    expect(hitsOf('حشيشات مزحشيش', [captagon])).toEqual([]);
  });
  test('ة/ه are folded only when the lexicon asks for it', () => {
    const plain = lexicon('ar', [term('zatla', 'زطلة')]);
    const folding = lexicon('ar', [term('zatla', 'زطلة')], { id: 'ar-fold', foldTaMarbuta: true });
    expect(hitsOf('زطله زطلة', [plain])).toEqual([['zatla', 'زطلة']]);
    expect(hitsOf('زطله زطلة', [folding])).toEqual([
      ['zatla', 'زطله'],
      ['zatla', 'زطلة'],
    ]);
  });
});

describe('Cyrillic', () => {
  const ru = lexicon('ru', [
    term('sol', 'соль', ['соли']),
    term('zakladka', 'закладка', ['закладк'], true),
    term('kolesa', 'колёса'),
    term('mef', 'меф'),
    term('sakhar', 'сахар'),
  ]);
  test('Latin look-alikes inside a Cyrillic word, case, ё/е all fold onto one skeleton', () => {
    // "сoль" with a Latin o, "CОЛЬ" with a Latin C, "колеса" without ё.
    const text = 'Есть сoль, CОЛЬ и колеса. ЗАКЛАДКИ по городу, закладками.';
    expect(hitsOf(text, [ru])).toEqual([
      ['sol', 'сoль'],
      ['sol', 'CОЛЬ'],
      ['kolesa', 'колеса'],
      ['zakladka', 'ЗАКЛАДКИ'],
      ['zakladka', 'закладками'],
    ]);
  });
  test('word boundaries: not inside a longer word unless the term is a prefix', () => {
    expect(hitsOf('фасоль пересолить солька мефедроновый', [ru])).toEqual([]);
    expect(hitsOf('меф, соли', [ru])).toEqual([
      ['mef', 'меф'],
      ['sol', 'соли'],
    ]);
  });
  test('a Latin term does not match a word written wholly in Cyrillic, and vice versa', () => {
    const en = lexicon('en', [term('pot', 'pot'), term('ice', 'ice')]);
    expect(hitsOf('рот ісе', [en])).toEqual([]);
    expect(hitsOf('pot and іce', [en])).toEqual([
      ['pot', 'pot'],
      ['ice', 'іce'],
    ]);
    // "caxap" in Latin letters only is not the Russian "сахар"; with one Cyrillic letter it is.
    expect(hitsOf('caxap', [ru])).toEqual([]);
    expect(hitsOf('сaxap', [ru])).toEqual([['sakhar', 'сaxap']]);
  });
});

describe('emoji and English', () => {
  test('emoji match with or without the variation selector, also next to letters', () => {
    const emoji = lexicon('zxx', [term('snowflake', '❄️'), term('plug', '🔌'), term('fuel', '⛽')]);
    const text = 'fresh❄ and ❄️🔌 ⛽️';
    expect(hitsOf(text, [emoji])).toEqual([
      ['snowflake', '❄'],
      ['snowflake', '❄️'],
      ['plug', '🔌'],
      ['fuel', '⛽️'],
    ]);
  });
  test('multi-word terms and the longest term at one position win; each hit cites its lexicon version', () => {
    const en = lexicon('en', [
      term('bars', 'bars', ['xanny bars']),
      term('xanny', 'xanny'),
      term('molly', 'molly'),
    ]);
    const hits = matchLexicons('Xanny bars and MOLLY', [en]);
    expect(
      hits.map((h) => [h.termId, h.offset, h.length, h.lexiconId, h.lexiconVersion, h.language]),
    ).toEqual([
      ['bars', 0, 10, 'en-test', 3, 'en'],
      ['molly', 15, 5, 'en-test', 3, 'en'],
    ]);
  });
});

describe('lexicon files', () => {
  test('the shipped lexicons load, validate against lexicon.schema.json, and find their terms', async () => {
    const lexicons = await loadLexiconDir(DIR);
    expect(lexicons.map((l) => l.id).sort()).toEqual([
      'ar-drugs',
      'ar-smuggling',
      'emoji-drugs',
      'en-drugs',
      'en-smuggling',
      'ru-drugs',
      'ru-smuggling',
    ]);
    const schema = JSON.parse(readFileSync(join(DIR, 'lexicon.schema.json'), 'utf8')) as object;
    // The schema file is the format's own definition, not a second copy that could drift.
    expect(schema).toEqual(JSON.parse(JSON.stringify(z.toJSONSchema(LEXICON_FILE_SCHEMA, { io: 'input' }))));
    const validate = new Ajv2020({ strict: false }).compile(schema);
    for (const name of [
      'ru-drugs',
      'ar-drugs',
      'en-drugs',
      'zxx-emoji-drugs',
      'ru-smuggling',
      'ar-smuggling',
      'en-smuggling',
    ])
      expect(validate(JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'))), name).toBe(true);
    const text = 'Закладки, соль и мефедрон. الثلج والكريستال متوفر. Got ice, molly 💊❄️';
    const found = matchLexicons(text, compileLexicons(lexicons)).map((h) => `${h.lexiconId}:${h.termId}`);
    expect(found).toEqual([
      'ru-drugs:zakladka',
      'ru-drugs:sol',
      'ru-drugs:mefedron',
      'ar-drugs:thalj',
      'ar-drugs:kristal',
      'en-drugs:ice',
      'en-drugs:molly',
      'emoji-drugs:pill',
      'emoji-drugs:snowflake',
    ]);
  });
  test('the smuggling lexicons carry source and date and find crossing offers in ru, ar and en', async () => {
    const lexicons = (await loadLexiconDir(DIR)).filter((l) => l.category === 'smuggling');
    expect(lexicons.map((l) => l.language).sort()).toEqual(['ar', 'en', 'ru']);
    for (const l of lexicons) {
      expect(l.source.length, l.id).toBeGreaterThan(40);
      expect(l.date, l.id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    // Case, ё/е, alef/hamza and tatweel variants as they are written in ads; word boundaries hold.
    const text =
      'ПЕРЕХОД ГРАНИЦЫ без документов, зеленый коридор. تهريب إلى أوروبا، الحرقة بدون اوراق مع المهربين. Border run, NO PAPERS needed. Безвизовый режим, harraga, borderrun.';
    const found = matchLexicons(text, compileLexicons(lexicons)).map((h) => [
      `${h.lexiconId}:${h.termId}`,
      text.slice(h.offset, h.offset + h.length),
    ]);
    expect(found).toEqual([
      ['ru-smuggling:perekhod-granitsy', 'ПЕРЕХОД ГРАНИЦЫ'],
      ['ru-smuggling:bez-dokumentov', 'без документов'],
      ['ru-smuggling:koridor', 'зеленый коридор'],
      ['ar-smuggling:tahrib', 'تهريب'],
      ['ar-smuggling:harraga', 'الحرقة'],
      ['ar-smuggling:bidun-awraq', 'بدون اوراق'],
      ['ar-smuggling:muharrib', 'المهربين'],
      ['en-smuggling:border-run', 'Border run'],
      ['en-smuggling:no-papers', 'NO PAPERS needed'],
    ]);
  });
  test('a bad file is refused with one line naming the problem', () => {
    const good = readFileSync(join(DIR, 'en-drugs.json'), 'utf8');
    const bad = (patch: (o: Record<string, unknown>) => void): string => {
      const o = JSON.parse(good) as Record<string, unknown>;
      patch(o);
      return JSON.stringify(o);
    };
    expect(() => parseLexiconFile('{', 'x.json')).toThrow(/^x\.json: not JSON/);
    expect(() =>
      parseLexiconFile(
        bad((o) => (o.version = 0)),
        'x.json',
      ),
    ).toThrow(/x\.json: not a valid lexicon at version/);
    expect(() =>
      parseLexiconFile(
        bad((o) => (o.category = 'gossip')),
        'x.json',
      ),
    ).toThrow(/at category/);
    expect(() =>
      parseLexiconFile(
        bad((o) => (o.language = 'english')),
        'x.json',
      ),
    ).toThrow(/ISO 639-1/);
    expect(() =>
      parseLexiconFile(
        bad((o) => (o.terms = [term('a', 'ice'), term('a', 'snow')])),
        'x.json',
      ),
    ).toThrow(/term id a appears twice/);
    expect(() =>
      parseLexiconFile(
        bad((o) => (o.terms = [term('a', '\u0640\u064e')])),
        'x.json',
      ),
    ).toThrow(/nothing to match/);
    expect(parseLexiconFile(good, 'en-drugs.json').terms.length).toBeGreaterThan(5);
  });
});
