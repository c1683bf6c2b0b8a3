import { describe, expect, it } from 'vitest';
import {
  directionOf,
  formatBytes,
  formatDateTime,
  formatDuration,
  formatNumber,
  interpolate,
  splitMarked,
} from '@renderer/i18n/format';

describe('formatting', () => {
  it('interpolates placeholders and leaves unknown ones visible', () => {
    expect(interpolate('{a} of {b}', { a: 1, b: 'two' })).toBe('1 of two');
    expect(interpolate('{a} {missing}', { a: 'x' })).toBe('x {missing}');
    expect(interpolate('plain')).toBe('plain');
  });

  it('uses the direction of the language', () => {
    expect(directionOf('ar')).toBe('rtl');
    expect(directionOf('en')).toBe('ltr');
    expect(directionOf('ru')).toBe('ltr');
  });

  it('formats numbers per locale, with Latin digits in Arabic', () => {
    expect(formatNumber(50000, 'en')).toBe('50,000');
    expect(formatNumber(50000, 'ru').replace(/\s/g, ' ')).toBe('50 000');
    expect(formatNumber(50000, 'ar')).toMatch(/^50.000$/);
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(512, 'en')).toBe('512 byte');
    expect(formatBytes(1536, 'en')).toBe('1.5 kB');
    expect(formatBytes(5 * 1024 * 1024, 'en')).toBe('5 MB');
  });

  it('shows evidence times in UTC whatever the local zone', () => {
    const text = formatDateTime('2026-11-22T23:59:58.000Z', 'en');
    expect(text).toContain('22');
    expect(text).toContain('23:59:58');
    expect(text).toContain('UTC');
    expect(formatDateTime('not a date', 'en')).toBe('not a date');
  });

  it('formats durations', () => {
    expect(formatDuration(1500, 'en')).toBe('1.5s');
    expect(formatDuration(125_000, 'en')).toBe('2m 5s');
  });

  it('splits search snippets at the private-use markers, as text', () => {
    expect(splitMarked('a \uE000<b>x</b>\uE001 c')).toEqual([
      { text: 'a ', marked: false },
      { text: '<b>x</b>', marked: true },
      { text: ' c', marked: false },
    ]);
    expect(splitMarked('\uE001stray\uE000open')).toEqual([
      { text: 'stray', marked: false },
      { text: 'open', marked: true },
    ]);
    expect(splitMarked('').length).toBe(0);
  });
});
