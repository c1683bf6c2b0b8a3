import { AppError } from '@shared/errors/app-error';
import type { HashListEntry } from '../db/repositories/hash-lists-repo';

/**
 * Reads a known-hash list file: CSV with a header row, or JSON (an array of objects, or an object
 * whose `entries` is one). Columns/fields `sha256`, `md5`, `pdq`, `label`; other columns are
 * ignored (lists carry ids and categories of their own). Hex is lowercased.
 *
 * Invariant: the file is accepted whole or not at all — the first bad row throws one
 * `input.invalid` line naming that row (CSV line number, or JSON entry number from 1), and nothing
 * of the file is stored.
 */

export const DEFAULT_HASH_LABEL = 'suspected_csam';
/** A label is a short slug: it becomes a flag name and a UI label key, never free text. */
export const HASH_LABEL = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;

const HEX_LENGTH = { sha256: 64, md5: 32, pdq: 64 } as const;
type HashField = keyof typeof HEX_LENGTH;
const HASH_FIELDS: readonly HashField[] = ['sha256', 'md5', 'pdq'];

export type ParsedHashList = Readonly<{ format: 'csv' | 'json'; entries: HashListEntry[] }>;

function fail(where: string, problem: string): never {
  throw new AppError('input.invalid', `${where}: ${problem}`);
}

function entryOf(fields: Readonly<Record<string, unknown>>, where: string): HashListEntry {
  const hashes: Record<HashField, string | null> = { sha256: null, md5: null, pdq: null };
  for (const field of HASH_FIELDS) {
    const raw = fields[field];
    if (raw === undefined || raw === null || raw === '') continue;
    if (typeof raw !== 'string') fail(where, `${field} must be text`);
    const hex = raw.trim().toLowerCase();
    if (hex === '') continue;
    if (hex.length !== HEX_LENGTH[field] || !/^[0-9a-f]+$/.test(hex))
      fail(where, `${field} is not ${HEX_LENGTH[field]} hex digits`);
    hashes[field] = hex;
  }
  if (hashes.sha256 === null && hashes.md5 === null && hashes.pdq === null)
    fail(where, 'no sha256, md5 or pdq');
  const rawLabel = fields.label;
  if (rawLabel !== undefined && rawLabel !== null && typeof rawLabel !== 'string')
    fail(where, 'label must be text');
  const label =
    typeof rawLabel === 'string' && rawLabel.trim() !== ''
      ? rawLabel.trim().toLowerCase()
      : DEFAULT_HASH_LABEL;
  if (!HASH_LABEL.test(label)) fail(where, 'label must be a short slug (a-z, 0-9, _ . : -)');
  return { ...hashes, label };
}

/** One CSV line split on commas, with "quoted" fields ("" is a quote inside one). */
function csvFields(line: string, where: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= line.length) fail(where, 'unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        value += line[i];
        i += 1;
      }
      out.push(value);
      if (i < line.length && line[i] !== ',') fail(where, 'text after a quoted field');
    } else {
      const end = line.indexOf(',', i);
      out.push(line.slice(i, end === -1 ? line.length : end));
      i = end === -1 ? line.length : end;
    }
    if (i >= line.length) return out;
    i += 1; // the comma
  }
}

function parseCsv(text: string): HashListEntry[] {
  const lines = text.split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex === -1) fail('the file', 'is empty');
  const header = csvFields(lines[headerIndex] ?? '', `line ${headerIndex + 1}`).map((h) =>
    h.trim().toLowerCase(),
  );
  if (!HASH_FIELDS.some((f) => header.includes(f)))
    fail(`line ${headerIndex + 1}`, 'the header names none of sha256, md5, pdq');
  const entries: HashListEntry[] = [];
  for (let n = headerIndex + 1; n < lines.length; n += 1) {
    const line = lines[n] ?? '';
    if (line.trim() === '') continue;
    const where = `line ${n + 1}`;
    const values = csvFields(line, where);
    if (values.length > header.length)
      fail(where, `${values.length} fields, the header has ${header.length}`);
    entries.push(entryOf(Object.fromEntries(header.map((h, i) => [h, values[i] ?? ''])), where));
  }
  return entries;
}

function parseJson(text: string): HashListEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail('the file', `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})`);
  }
  const list = Array.isArray(value)
    ? value
    : typeof value === 'object' && value !== null && Array.isArray((value as { entries?: unknown }).entries)
      ? (value as { entries: unknown[] }).entries
      : fail('the file', 'JSON must be an array of entries or an object with an "entries" array');
  return list.map((item: unknown, i) => {
    const where = `entry ${i + 1}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) fail(where, 'is not an object');
    return entryOf(item as Record<string, unknown>, where);
  });
}

/** JSON when the first non-blank character opens an array or object, CSV otherwise. */
export function parseHashListFile(text: string): ParsedHashList {
  const body = text.replace(/^\uFEFF/, '');
  const first = body.trimStart()[0];
  return first === '[' || first === '{'
    ? { format: 'json', entries: parseJson(body) }
    : { format: 'csv', entries: parseCsv(body) };
}
