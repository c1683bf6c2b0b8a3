import type { z } from 'zod';
import { ReportFields } from '@shared/contract/methods/intake';
import { AppError } from '@shared/errors/app-error';

/** A report as the intake service takes it (the contract's `reports.add` input after parsing). */
export type ReportInput = z.output<typeof ReportFields>;
export type ReportDefaults = Partial<ReportInput>;

export type ReportColumn =
  'url' | 'sourceType' | 'reporterRef' | 'category' | 'note' | 'receivedAt' | 'caseRef' | 'suspectedCsam';

/** Column headings people actually write, after lowercasing and turning spaces and dashes into `_`. */
const COLUMN_NAMES: Readonly<Record<string, ReportColumn>> = {
  url: 'url',
  source: 'sourceType',
  source_type: 'sourceType',
  sourcetype: 'sourceType',
  reporter: 'reporterRef',
  reporter_ref: 'reporterRef',
  reporterref: 'reporterRef',
  category: 'category',
  note: 'note',
  notes: 'note',
  received: 'receivedAt',
  received_at: 'receivedAt',
  receivedat: 'receivedAt',
  case: 'caseRef',
  case_ref: 'caseRef',
  caseref: 'caseRef',
  suspected_csam: 'suspectedCsam',
  suspectedcsam: 'suspectedCsam',
};

/** A `suspected_csam` cell: the intake answer, as spreadsheets write yes and no. */
const YES_NO: Readonly<Record<string, boolean>> = {
  yes: true,
  y: true,
  true: true,
  '1': true,
  no: false,
  n: false,
  false: false,
  '0': false,
};

export type ReportRow = Readonly<{
  /** 1-based line of the file where the row starts (a quoted cell may span several lines). */
  line: number;
  values: Readonly<Partial<Record<ReportColumn, string>>>;
  /** Set when the row itself is unusable; the import reports it and goes on. */
  problem?: string;
}>;

export type ParsedReportFile = Readonly<{
  format: 'csv' | 'text';
  delimiter: ',' | ';' | '\t' | null;
  columns: readonly ReportColumn[];
  /** Headings that map to no report field; their cells are not imported. */
  ignoredColumns: readonly string[];
  rows: readonly ReportRow[];
}>;

export type RawRecord = { line: number; cells: string[]; unterminated: boolean };

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * RFC 4180 records: quoted cells may hold the delimiter, `""` and line breaks; lines end in CRLF, LF or
 * CR. Lenient where spreadsheets are sloppy (text after a closing quote is kept), strict where data
 * would be lost silently (an unterminated quote is reported, not swallowed).
 */
export function parseCsvRecords(text: string, delimiter: string): RawRecord[] {
  const records: RawRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let sawAny = false;
  const endRecord = (unterminated: boolean): void => {
    cells.push(cell);
    records.push({ line: start, cells, unterminated });
    cells = [];
    cell = '';
    sawAny = false;
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        // The run up to the next quote in one slice: a bulk import parses every line, and a string
        // built a character at a time is garbage for each character.
        let j = i;
        for (; j < text.length && text.charCodeAt(j) !== QUOTE; j += 1) {
          const c = text.charCodeAt(j);
          if (c === LF || (c === CR && text.charCodeAt(j + 1) !== LF)) line += 1;
        }
        cell += text.slice(i, j);
        i = j - 1;
      }
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      sawAny = true;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
      sawAny = true;
    } else if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      if (sawAny || cell !== '' || cells.length > 0) endRecord(false);
      line += 1;
      start = line;
    } else {
      // Up to the next delimiter or line break: once the cell has a character, a quote is literal.
      const d = delimiter.charCodeAt(0);
      let j = i + 1;
      for (; j < text.length; j += 1) {
        const c = text.charCodeAt(j);
        if (c === d || c === LF || c === CR) break;
      }
      cell += text.slice(i, j);
      i = j - 1;
      sawAny = true;
    }
  }
  if (quoted) endRecord(true);
  else if (sawAny || cell !== '' || cells.length > 0) endRecord(false);
  return records;
}

const headingKey = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** The first line's cells split by `delimiter`, ignoring delimiters inside quotes. */
function headerCells(firstLine: string, delimiter: string): string[] {
  return (parseCsvRecords(firstLine, delimiter)[0]?.cells ?? []).map(headingKey);
}

/** Picks `,`, `;` or tab: the one that splits the header into cells with a `url` heading, most cells wins. */
export function sniffDelimiter(text: string): ',' | ';' | '\t' | null {
  const firstLine = text.split(/\r\n|\n|\r/, 1)[0] ?? '';
  let best: { d: ',' | ';' | '\t'; n: number } | null = null;
  for (const d of [',', ';', '\t'] as const) {
    const cells = headerCells(firstLine, d);
    if (cells.some((c) => COLUMN_NAMES[c] === 'url') && (best === null || cells.length > best.n)) {
      best = { d, n: cells.length };
    }
  }
  return best?.d ?? null;
}

export const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

/**
 * Reads a report list: `.txt` (one URL per line; blank lines and `#` comments skipped) or `.csv` with
 * a `url` column. Other names are read as CSV when the first line has a `url` heading, else as text.
 * Throws `intake.bad-file` only when the file as a whole can't be read (a CSV without a `url` column,
 * two columns for the same field); a bad row becomes a row with a `problem` and the rest still imports.
 */
export function parseReportFile(fileName: string, content: string): ParsedReportFile {
  const text = stripBom(content);
  if (text.includes('\u0000')) throw new AppError('intake.bad-file', `${fileName} is not a text file`);
  const lower = fileName.toLowerCase();
  const sniffed = sniffDelimiter(text);
  const isCsv = isCsvList(lower, sniffed);
  if (!isCsv) return parseTextList(text);
  if (sniffed === null) {
    throw new AppError(
      'intake.bad-file',
      `${fileName}: the first line must name the columns and one of them must be "url" (delimiter , ; or tab)`,
    );
  }
  return parseCsvList(fileName, text, sniffed);
}

/** `.csv`/`.tsv` are CSV; `.txt` is a text list; any other name is CSV when its header has a `url`. */
export const isCsvList = (lowerName: string, sniffed: string | null): boolean =>
  lowerName.endsWith('.csv') ||
  lowerName.endsWith('.tsv') ||
  (!lowerName.endsWith('.txt') && sniffed !== null);

function parseTextList(text: string): ParsedReportFile {
  const rows: ReportRow[] = [];
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const url = raw.trim();
    if (url === '' || url.startsWith('#')) return;
    rows.push({ line: i + 1, values: { url } });
  });
  return { format: 'text', delimiter: null, columns: ['url'], ignoredColumns: [], rows };
}

/** What a CSV header says: each heading, and the report field its column gives (null: ignored). */
export type CsvColumns = Readonly<{ headings: readonly string[]; map: readonly (ReportColumn | null)[] }>;

/** Maps the header's cells to report fields; two columns for one field make the file unreadable. */
export function csvColumns(fileName: string, headerCells: readonly string[]): CsvColumns {
  const headings = headerCells.map((h) => h.trim());
  const map: (ReportColumn | null)[] = headings.map((h) => COLUMN_NAMES[headingKey(h)] ?? null);
  const seen = new Set<ReportColumn>();
  for (const [i, column] of map.entries()) {
    if (column === null) continue;
    if (seen.has(column)) {
      throw new AppError(
        'intake.bad-file',
        `${fileName}: two columns give the ${column} ("${headings[i] ?? ''}")`,
      );
    }
    seen.add(column);
  }
  return { headings, map };
}

/** One CSV record as a row (null for an empty record, which is skipped). */
export function csvRow(record: RawRecord, columns: CsvColumns): ReportRow | null {
  const { headings, map } = columns;
  if (record.cells.every((c) => c.trim() === '')) return null;
  const values: Partial<Record<ReportColumn, string>> = {};
  record.cells.forEach((cell, i) => {
    const column = map[i];
    const value = cell.trim();
    if (column !== null && column !== undefined && value !== '') values[column] = value;
  });
  const extra = record.cells.slice(headings.length).filter((c) => c.trim() !== '');
  const problem = record.unterminated
    ? 'a quoted cell is never closed (missing ")'
    : extra.length > 0
      ? `the row has ${record.cells.length} cells but the header names ${headings.length}`
      : values.url === undefined
        ? 'the url cell is empty'
        : undefined;
  return problem === undefined ? { line: record.line, values } : { line: record.line, values, problem };
}

function parseCsvList(fileName: string, text: string, delimiter: ',' | ';' | '\t'): ParsedReportFile {
  const [header, ...records] = parseCsvRecords(text, delimiter);
  const columns = csvColumns(fileName, header?.cells ?? []);
  const rows: ReportRow[] = [];
  for (const record of records) {
    const row = csvRow(record, columns);
    if (row !== null) rows.push(row);
  }
  const { headings, map } = columns;
  return {
    format: 'csv',
    delimiter,
    columns: [...new Set(map.filter((c): c is ReportColumn => c !== null))],
    ignoredColumns: headings.filter((_, i) => map[i] === null && headings[i] !== ''),
    rows,
  };
}

/** `Trusted flagger`, `trusted-flagger` and `TRUSTED_FLAGGER` all mean `trusted_flagger`. */
const enumWord = (v: string): string =>
  v
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

/** Built once: zod compiles a schema on first use, and `omit` makes a new schema each call. */
const ROW_FIELDS = ReportFields.omit({ url: true });

/**
 * One row's cells as report fields, over the import's defaults (a cell wins over a default). Values are
 * checked with the contract's own schema, so a file can't carry what the form would refuse.
 */
export function rowToReport(
  row: ReportRow,
  defaults: ReportDefaults,
): { ok: true; report: ReportInput } | { ok: false; reason: string } {
  if (row.problem !== undefined) return { ok: false, reason: `intake.bad-file: ${row.problem}` };
  const v = row.values;
  const merged: Record<string, unknown> = { ...defaults };
  if (v.sourceType !== undefined) merged.sourceType = enumWord(v.sourceType);
  if (v.category !== undefined) merged.category = enumWord(v.category);
  if (v.reporterRef !== undefined) merged.reporterRef = v.reporterRef;
  if (v.note !== undefined) merged.note = v.note;
  if (v.receivedAt !== undefined) merged.receivedAt = v.receivedAt;
  if (v.caseRef !== undefined) merged.caseRef = v.caseRef;
  if (v.suspectedCsam !== undefined) {
    const answer = YES_NO[v.suspectedCsam.trim().toLowerCase()];
    if (answer === undefined)
      return { ok: false, reason: 'input.invalid: suspectedCsam: write yes or no (or true/false, 1/0)' };
    merged.suspectedCsam = answer;
  }
  const parsed = ROW_FIELDS.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? 'row';
    return { ok: false, reason: `input.invalid: ${field}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, report: { ...parsed.data, url: v.url ?? '' } };
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * When the report was received, as ISO-8601 UTC. A date alone means the start of that day in UTC; a
 * time must say its zone (`Z` or `+03:00`): guessing the zone of evidence timestamps is not done. Times
 * more than a day ahead of `now` are refused as typos.
 */
export function parseReceivedAt(text: string, now: Date): string {
  const t = text.trim();
  let iso: string;
  if (DATE_ONLY.test(t)) iso = `${t}T00:00:00.000Z`;
  else if (DATE_TIME.test(t)) iso = t.replace(' ', 'T');
  else {
    throw new AppError(
      'input.invalid',
      `received time "${t}" is not YYYY-MM-DD or an ISO-8601 time with a zone (e.g. 2026-01-31T10:00:00Z)`,
    );
  }
  const date = new Date(iso);
  const datePart = t.slice(0, 10);
  // `Date` rolls 2026-02-30 over to March: compare the calendar date it kept with the one written.
  const written = new Date(`${datePart}T00:00:00.000Z`);
  if (
    Number.isNaN(date.getTime()) ||
    Number.isNaN(written.getTime()) ||
    !written.toISOString().startsWith(datePart)
  ) {
    throw new AppError('input.invalid', `received time "${t}" is not a real date`);
  }
  if (date.getTime() > now.getTime() + 24 * 3600 * 1000) {
    throw new AppError('input.invalid', `received time "${t}" is in the future`);
  }
  return date.toISOString();
}
