import type { Language } from '@shared/domain/resources';

export type Direction = 'ltr' | 'rtl';

export const directionOf = (language: Language): Direction => (language === 'ar' ? 'rtl' : 'ltr');

/** BCP 47 tags for Intl; Arabic keeps Latin digits so that ids, hashes and counts read the same everywhere. */
export const localeOf = (language: Language): string => {
  switch (language) {
    case 'en':
      return 'en-GB';
    case 'ar':
      return 'ar-u-nu-latn';
    case 'ru':
      return 'ru-RU';
  }
};

/** Replaces `{name}` placeholders; an unknown placeholder stays visible so a bad call is noticed. */
export function interpolate(template: string, vars?: Readonly<Record<string, string | number>>): string {
  if (vars === undefined) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : String(value);
  });
}

export function formatNumber(value: number, language: Language): string {
  return new Intl.NumberFormat(localeOf(language)).format(value);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Binary multiples, as sizes are compared against file listings. */
export function formatBytes(bytes: number, language: Language): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(localeOf(language), {
    style: 'unit',
    unit: UNITS[unit] ?? 'byte',
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

/** Evidence times are shown in UTC, labelled as such, so that every reader sees the same clock. */
export function formatDateTime(iso: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(localeOf(language), {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZone: 'UTC',
    timeZoneName: 'short',
  }).format(date);
}

export function formatDate(isoDate: string, language: Language): string {
  const date = new Date(isoDate.length === 10 ? `${isoDate}T00:00:00Z` : isoDate);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(localeOf(language), {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

export function formatDuration(ms: number, language: Language): string {
  const seconds = ms / 1000;
  if (seconds < 60) {
    return new Intl.NumberFormat(localeOf(language), {
      style: 'unit',
      unit: 'second',
      unitDisplay: 'narrow',
      maximumFractionDigits: 1,
    }).format(seconds);
  }
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  const fmt = (v: number, unit: 'minute' | 'second') =>
    new Intl.NumberFormat(localeOf(language), { style: 'unit', unit, unitDisplay: 'narrow' }).format(v);
  return `${fmt(minutes, 'minute')} ${fmt(rest, 'second')}`;
}

export type MarkedPart = Readonly<{ text: string; marked: boolean }>;

/**
 * Splits a search snippet whose matches sit between U+E000 and U+E001 into plain parts, so the UI
 * can highlight matches as text nodes. Unbalanced markers are tolerated and never leak into the text.
 */
export function splitMarked(snippet: string): MarkedPart[] {
  const parts: MarkedPart[] = [];
  let marked = false;
  let current = '';
  for (const ch of snippet) {
    if (ch === '\uE000' || ch === '\uE001') {
      if (current !== '') parts.push({ text: current, marked });
      current = '';
      marked = ch === '\uE000';
    } else {
      current += ch;
    }
  }
  if (current !== '') parts.push({ text: current, marked });
  return parts;
}
