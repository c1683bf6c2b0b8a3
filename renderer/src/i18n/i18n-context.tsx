import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import type { Language } from '@shared/domain/resources';
import { LANGUAGES } from '@shared/domain/resources';
import type { ErrorCode } from '@shared/errors/app-error';
import { ar } from './ar';
import { en } from './en';
import type { MessageKey, Messages } from './en';
import { errorsAr } from './errors-ar';
import { errorsEn } from './errors-en';
import { errorsRu } from './errors-ru';
import type { Direction } from './format';
import {
  directionOf,
  formatBytes,
  formatDate,
  formatDateTime,
  formatDuration,
  formatNumber,
  interpolate,
} from './format';
import { ru } from './ru';

export const MESSAGES: Readonly<Record<Language, Messages>> = { en, ar, ru };
export const ERROR_TEXT: Readonly<Record<Language, Readonly<Record<ErrorCode, string>>>> = {
  en: errorsEn,
  ar: errorsAr,
  ru: errorsRu,
};

export type I18n = Readonly<{
  language: Language;
  dir: Direction;
  setLanguage: (language: Language) => void;
  t: (key: MessageKey, vars?: Readonly<Record<string, string | number>>) => string;
  errorText: (code: ErrorCode) => string;
  number: (value: number) => string;
  bytes: (value: number) => string;
  dateTime: (iso: string) => string;
  date: (iso: string) => string;
  duration: (ms: number) => string;
}>;

const I18nContext = createContext<I18n | null>(null);
const STORAGE_KEY = 'vigil.language';

const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

/** The language chosen on this machine before sign-in; the signed-in user's setting may replace it. */
export function initialLanguage(): Language {
  try {
    const fromUrl = new URLSearchParams(window.location.search).get('lang');
    if (isLanguage(fromUrl)) return fromUrl;
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage can be unavailable (privacy mode); English is a safe default.
  }
  return 'en';
}

export function makeI18n(language: Language, setLanguage: (language: Language) => void): I18n {
  const table = MESSAGES[language];
  return {
    language,
    dir: directionOf(language),
    setLanguage,
    t: (key, vars) => interpolate(table[key], vars),
    errorText: (code) => ERROR_TEXT[language][code],
    number: (value) => formatNumber(value, language),
    bytes: (value) => formatBytes(value, language),
    dateTime: (iso) => formatDateTime(iso, language),
    date: (iso) => formatDate(iso, language),
    duration: (ms) => formatDuration(ms, language),
  };
}

export function I18nProvider({ children }: Readonly<{ children: ReactNode }>) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const value = useMemo(
    () =>
      makeI18n(language, (next) => {
        setLanguageState(next);
        try {
          window.localStorage.setItem(STORAGE_KEY, next);
        } catch {
          // Not persisted; the choice still applies to this window.
        }
      }),
    [language],
  );
  useEffect(() => {
    document.documentElement.dir = value.dir;
    document.documentElement.lang = language;
  }, [value.dir, language]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (value === null) throw new Error('useI18n outside I18nProvider');
  return value;
}
