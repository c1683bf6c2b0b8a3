import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '@shared/errors/app-error';
import { ar } from '@renderer/i18n/ar';
import { en } from '@renderer/i18n/en';
import { errorsAr } from '@renderer/i18n/errors-ar';
import { errorsEn } from '@renderer/i18n/errors-en';
import { errorsRu } from '@renderer/i18n/errors-ru';
import { ru } from '@renderer/i18n/ru';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('translations', () => {
  const tables = { en, ar, ru } as const;

  it.each(Object.entries(tables))(
    '%s has a non-empty value for every key, never the key itself',
    (_lang, table) => {
      const keys = Object.keys(en);
      expect(Object.keys(table).sort()).toEqual([...keys].sort());
      for (const key of keys) {
        const value = (table as Record<string, string>)[key];
        expect(value, key).toBeTruthy();
        expect(value?.trim(), key).not.toBe('');
        expect(value, key).not.toBe(key);
      }
    },
  );

  it.each([
    ['ar', ar],
    ['ru', ru],
  ] as const)('%s keeps the same placeholders as English', (_lang, table) => {
    for (const [key, value] of Object.entries(en)) {
      expect(placeholders(table[key as keyof typeof en]), key).toEqual(placeholders(value));
    }
  });

  it('translates most visible text rather than copying English', () => {
    for (const table of [ar, ru]) {
      const same = Object.entries(en).filter(([k, v]) => table[k as keyof typeof en] === v);
      // Brand names, protocol names and language endonyms may legitimately stay the same.
      expect(same.length).toBeLessThan(Object.keys(en).length * 0.06);
    }
  });

  it('Arabic text is Arabic', () => {
    expect(ar['nav.dashboard']).toMatch(/[\u0600-\u06FF]/);
    expect(errorsAr['capture.timeout']).toMatch(/[\u0600-\u06FF]/);
  });

  it.each([
    ['en', errorsEn],
    ['ar', errorsAr],
    ['ru', errorsRu],
  ] as const)('%s has a message for every error code', (_lang, table) => {
    for (const code of ERROR_CODES) expect(table[code]?.trim(), code).toBeTruthy();
    expect(Object.keys(table).sort()).toEqual([...ERROR_CODES].sort());
  });
});
