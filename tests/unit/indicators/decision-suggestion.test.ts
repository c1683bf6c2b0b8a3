import { describe, expect, test } from 'vitest';
import { suggestDecision } from '@core/indicators/decision-suggestion';
import type { ResourceIndicators } from '@shared/contract/methods/indicators';
import {
  applySuggestion,
  emptyDecisionForm,
  toDecisionFields,
} from '@renderer/features/review/decision-form-state';

const WALLET = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';

const occurrence = {
  captureId: 'cap_1',
  capturedAt: '2026-12-01T10:00:00.000Z',
  artifact: 'text' as const,
  artifactName: 'text.txt',
  length: 4,
  raw: 'x',
  box: null,
  extractorVersion: 1,
};
const hit = (term: string, termId: string, category: string, offset: number, lexiconId = 'ru-drugs') => ({
  captureId: 'cap_1',
  lexiconId,
  lexiconVersion: 1,
  termId,
  term,
  category,
  language: 'ru',
  offset,
  length: term.length,
  box: null,
});

const FOUND: ResourceIndicators = {
  resourceId: 'res_1',
  indicators: [
    {
      type: 'btc',
      value: WALLET,
      occurrences: [{ ...occurrence, offset: 40 }],
      sharedWith: 12,
      sharedBlocked: 3,
    },
    {
      type: 'telegram',
      value: 'pharma_shop24',
      occurrences: [{ ...occurrence, offset: 90 }],
      sharedWith: 2,
      sharedBlocked: 0,
    },
    {
      type: 'phone',
      value: '+77011234567',
      occurrences: [{ ...occurrence, offset: 120 }],
      sharedWith: 0,
      sharedBlocked: 0,
    },
  ],
  hits: [
    hit('закладки', 'zakladka', 'drugs', 30),
    hit('соль', 'sol', 'drugs', 10),
    hit('соль', 'sol', 'drugs', 200),
    hit('переход границы', 'perekhod-granitsy', 'smuggling', 300, 'ru-smuggling'),
  ],
};

describe('decision suggestion from indicators', () => {
  test('names the coded terms in page order, the wallet, the contacts and the widest network, in English', () => {
    const s = suggestDecision(FOUND, 'en');
    expect(s.facts).toBe(
      'The page offers drugs using the coded terms "соль", "закладки". ' +
        'The page offers human smuggling using the coded terms "переход границы". ' +
        `Payment is requested to the wallet(s) BTC ${WALLET}. ` +
        'Contact is offered via Telegram @pharma_shop24, +77011234567. ' +
        `BTC ${WALLET} also appears on 12 other resource(s), 3 of them already blocked.`,
    );
    expect(s.keywords).toEqual(['KEYWORD_PROHIBITED_PRODUCTS', 'KEYWORD_HUMAN_TRAFFICKING']);
    expect(s.category).toBe('STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS');
    expect(s.terms).toEqual(['ru-drugs@1:sol', 'ru-drugs@1:zakladka', 'ru-smuggling@1:perekhod-granitsy']);
    expect(s.indicators).toBe(3);
  });

  test('is written in the decision language (ru, ar)', () => {
    const ru = suggestDecision(FOUND, 'ru');
    expect(ru.facts).toContain('Страница предлагает наркотики, используя кодовые слова «соль», «закладки».');
    expect(ru.facts).toContain(`Оплата запрашивается на кошелёк (кошельки) BTC ${WALLET}.`);
    const ar = suggestDecision(FOUND, 'ar');
    expect(ar.facts).toContain('تعرض الصفحة مخدرات باستخدام الكلمات المشفرة «соль»، «закладки».');
    expect(ar.facts).toContain('تعرض الصفحة تهريب البشر');
  });

  test('counts what it does not name, and says nothing when nothing was found', () => {
    const many: ResourceIndicators = {
      ...FOUND,
      hits: [],
      indicators: Array.from({ length: 8 }, (_, i) => ({
        type: 'email' as const,
        value: `seller${i}@example.org`,
        occurrences: [{ ...occurrence, offset: i }],
        sharedWith: 0,
        sharedBlocked: 0,
      })),
    };
    expect(suggestDecision(many, 'en').facts).toBe(
      'Contact is offered via seller0@example.org, seller1@example.org, seller2@example.org, seller3@example.org, seller4@example.org, and 3 more.',
    );
    const none = suggestDecision({ resourceId: 'res_1', indicators: [], hits: [] }, 'en');
    expect(none).toEqual({ facts: '', keywords: [], category: null, terms: [], indicators: 0 });
  });
});

describe('the form takes a suggestion as editable text', () => {
  const s = suggestDecision(FOUND, 'en');
  test('added after what the reviewer wrote, keywords merged, category kept, automated detection ticked', () => {
    const form = {
      ...emptyDecisionForm('en', 'https://shop.example/'),
      facts: 'Seen by the reviewer.',
      keywords: ['KEYWORD_OTHER' as const],
      category: 'STATEMENT_CATEGORY_SCAMS_AND_FRAUD' as const,
    };
    const next = applySuggestion(form, s);
    expect(next.facts).toBe(`Seen by the reviewer.\n\n${s.facts}`);
    expect(next.keywords).toEqual([
      'KEYWORD_OTHER',
      'KEYWORD_PROHIBITED_PRODUCTS',
      'KEYWORD_HUMAN_TRAFFICKING',
    ]);
    expect(next.category).toBe('STATEMENT_CATEGORY_SCAMS_AND_FRAUD');
    expect(next.decision).toBe(form.decision);
    expect(toDecisionFields(next).automatedDetection).toBe(true);
    // Applying twice does not repeat the text.
    expect(applySuggestion(next, s).facts).toBe(next.facts);
  });
  test('an empty form takes the text and the category; an empty suggestion changes nothing', () => {
    const form = emptyDecisionForm('en', 'https://shop.example/');
    const next = applySuggestion(form, s);
    expect(next.facts).toBe(s.facts);
    expect(next.category).toBe('STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS');
    expect(applySuggestion(form, { facts: ' ', keywords: ['KEYWORD_OTHER'], category: null })).toBe(form);
  });
});
