import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Found } from './crypto-addresses';
import { isWordUnit } from './text-fold';
import type { CountryCode } from './types';

/**
 * Phone numbers, normalised to E.164 and accepted only when libphonenumber's full metadata says the
 * number is valid. Candidates are runs of digits and separators; what is more likely a date, a price,
 * an order number or part of a longer token is refused before parsing. A number written without a
 * country code is read in the default region, and only when it is dialled like a phone there
 * (trunk prefix 0/8, or NANP grouping).
 */

// Arabic-Indic (٠-٩) and Persian (۰-۹) digits → ASCII, one code unit each, so offsets are unchanged.
export function asciiDigits(text: string): string {
  if (!/[\u0660-\u0669\u06f0-\u06f9]/.test(text)) return text;
  return text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => {
    const c = d.charCodeAt(0);
    return String.fromCharCode(48 + (c >= 0x06f0 ? c - 0x06f0 : c - 0x0660));
  });
}

// Plain (non-Unicode) class so the scan stays fast; the edges are checked by hand in findPhones.
const CANDIDATE = /\+?\(?\d[\d \u00a0().-]{5,22}\d/g;
/** Characters a number may not touch: it would be part of a longer token, a path or a decimal. */
const BEFORE_REFUSED: ReadonlySet<string> = new Set(['_', '+', '.', '/', '#', '№', '-']);
const DATE_LIKE = /^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$/;
const TIME_OR_RANGE = /^\d{1,2}:\d{2}|^\d+\s*-\s*\d+$/;
const CURRENCY_BEFORE = /(?:[$€£₽¥₸₺]|usd|eur|rub|aed|sar|egp|kzt|руб|тг|ريال|درهم|جنيه)\s?$/iu;
const CURRENCY_AFTER = /^\s?(?:[$€£₽¥₸₺]|usd|eur|rub|aed|sar|egp|kzt|руб|р\.|тг|тенге|ريال|درهم|جنيه|ج\.م)/iu;
// Words only at a word start: "للطلب" (for orders: call …) is not "رقم الطلب" (order number).
const ORDER_BEFORE = /(?:#|№|(?<!\p{L})(?:no\.?|order|заказ|ref|رقم الطلب))\s*:?\s*$/iu;
/** Regions whose national numbers are written without a trunk prefix (NANP). */
const NANP: ReadonlySet<string> = new Set(['US', 'CA']);

/** E.164 of a phone number written in `s` (tel: value, wa.me digits…), or null if not valid. */
export function phoneToE164(s: string, region: CountryCode | null): string | null {
  const parsed = parsePhoneNumberFromString(s, region ?? undefined);
  return parsed !== undefined && parsed.isValid() ? parsed.number : null;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n += 1;
  }
  return n;
}

function acceptable(raw: string, region: CountryCode | null): string | null {
  const digits = digitCount(raw);
  if (digits < 7 || digits > 15) return null;
  if (DATE_LIKE.test(raw) || TIME_OR_RANGE.test(raw)) return null;
  const international = raw.startsWith('+') || raw.startsWith('00');
  if (!international) {
    if (region === null) return null;
    const first = raw.replace(/^\(/, '').charCodeAt(0);
    const trunk = first === 48 || first === 56; // 0 or 8
    const grouped = /[\s().-]/.test(raw);
    if (!trunk && !(NANP.has(region) && grouped)) return null;
  }
  const input = raw.startsWith('00') ? `+${raw.slice(2)}` : raw;
  return phoneToE164(input, international ? null : region);
}

export function findPhones(text: string, region: CountryCode | null, out: Found[]): void {
  if (!/\d{2}/.test(text)) return;
  const scan = asciiDigits(text);
  for (const m of scan.matchAll(CANDIDATE)) {
    const start = m.index;
    const prev = start > 0 ? scan.charAt(start - 1) : ' ';
    if (isWordUnit(prev.charCodeAt(0)) || BEFORE_REFUSED.has(prev)) {
      // "тел.+7…" is a number after an abbreviation; "1.2345678" is a decimal.
      if (!(prev === '.' && !isDigit(scan.charCodeAt(start - 2)))) continue;
    }
    const end = start + m[0].length;
    const next = scan.charCodeAt(end);
    if (
      isWordUnit(next) ||
      next === 95 ||
      ((next === 46 || next === 44) && isDigit(scan.charCodeAt(end + 1)))
    )
      continue;
    const before = scan.slice(Math.max(0, start - 16), start);
    let raw = m[0];
    if (CURRENCY_BEFORE.test(before) || ORDER_BEFORE.test(before)) continue;
    if (CURRENCY_AFTER.test(scan.slice(start + raw.length, start + raw.length + 8))) continue;
    // A run may have swallowed a neighbouring number ("+7 701 234 56 78, 12 шт"): drop trailing
    // groups until what is left is a valid number, or too short to be one.
    for (;;) {
      raw = raw.replace(/[\s().-]+$/, '');
      const value = acceptable(raw, region);
      if (value !== null) {
        out.push({ type: 'phone', value, offset: start, length: raw.length });
        break;
      }
      const cut = raw.search(/[\s.-][\d()]+$/);
      if (cut <= 0 || digitCount(raw.slice(0, cut)) < 7) break;
      raw = raw.slice(0, cut);
    }
  }
}
