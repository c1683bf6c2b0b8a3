import { describe, expect, it } from 'vitest';
import {
  parseCsvRecords,
  parseReceivedAt,
  parseReportFile,
  rowToReport,
  sniffDelimiter,
} from '@core/intake/report-file';

const urls = (file: ReturnType<typeof parseReportFile>) => file.rows.map((r) => [r.line, r.values.url]);

describe('plain text lists', () => {
  it('reads one URL per line, skipping blanks and comments, with real line numbers', () => {
    const file = parseReportFile(
      'list.txt',
      '# reported on Monday\nhttps://a.example/\n\n  https://b.example/x  \r\nhttps://c.example/\r',
    );
    expect(file.format).toBe('text');
    expect(urls(file)).toEqual([
      [2, 'https://a.example/'],
      [4, 'https://b.example/x'],
      [5, 'https://c.example/'],
    ]);
  });

  it('strips a byte-order mark', () => {
    expect(urls(parseReportFile('list.txt', '\uFEFFhttps://a.example/\n'))).toEqual([
      [1, 'https://a.example/'],
    ]);
  });

  it('reads a .txt as text even when it has commas', () => {
    expect(urls(parseReportFile('l.txt', 'https://a.example/?a=1,2\n'))).toEqual([
      [1, 'https://a.example/?a=1,2'],
    ]);
  });

  it('refuses binary content', () => {
    expect(() => parseReportFile('x.txt', 'abc\u0000def')).toThrow(
      expect.objectContaining({ code: 'intake.bad-file' }),
    );
  });
});

describe('CSV', () => {
  it('follows RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', () => {
    const records = parseCsvRecords('a,b\r\n"x,1","say ""hi"""\r\n"multi\r\nline",z\r\n', ',');
    expect(records).toEqual([
      { line: 1, cells: ['a', 'b'], unterminated: false },
      { line: 2, cells: ['x,1', 'say "hi"'], unterminated: false },
      { line: 3, cells: ['multi\r\nline', 'z'], unterminated: false },
    ]);
  });

  it('keeps empty cells and a record without a final line break', () => {
    expect(parseCsvRecords('a,,c\n,,', ',')).toEqual([
      { line: 1, cells: ['a', '', 'c'], unterminated: false },
      { line: 2, cells: ['', '', ''], unterminated: false },
    ]);
  });

  it('flags an unterminated quote instead of swallowing silently', () => {
    const records = parseCsvRecords('url\n"https://a.example/\nhttps://b.example/\n', ',');
    expect(records.at(-1)).toMatchObject({ line: 2, unterminated: true });
  });

  it('sniffs , ; and tab from the header', () => {
    expect(sniffDelimiter('url,note\n')).toBe(',');
    expect(sniffDelimiter('URL;Note;Category\n')).toBe(';');
    expect(sniffDelimiter('note\turl\n')).toBe('\t');
    expect(sniffDelimiter('"url;x",note\n')).toBeNull();
    expect(sniffDelimiter('https://a.example/\n')).toBeNull();
    expect(sniffDelimiter('url\n')).toBe(',');
  });

  it('maps columns to report fields by heading, in any order and case', () => {
    const file = parseReportFile(
      'reports.csv',
      '\uFEFFNote;URL;Source Type;Reporter;Category;Received At;Case;Extra\r\n' +
        '"a note; with delimiter";https://a.example/;trusted flagger;R-1;Drugs;2026-01-02;CASE-7;ignored\r\n',
    );
    expect(file).toMatchObject({ format: 'csv', delimiter: ';', ignoredColumns: ['Extra'] });
    expect(file.rows).toEqual([
      {
        line: 2,
        values: {
          note: 'a note; with delimiter',
          url: 'https://a.example/',
          sourceType: 'trusted flagger',
          reporterRef: 'R-1',
          category: 'Drugs',
          receivedAt: '2026-01-02',
          caseRef: 'CASE-7',
        },
      },
    ]);
  });

  it('gives quoted multi-line rows the line they start on', () => {
    const file = parseReportFile(
      'r.csv',
      'url,note\nhttps://a.example/,"two\nlines"\nhttps://b.example/,x\n',
    );
    expect(urls(file)).toEqual([
      [2, 'https://a.example/'],
      [4, 'https://b.example/'],
    ]);
  });

  it('marks bad rows without stopping', () => {
    const file = parseReportFile(
      'r.csv',
      'url,note\n,only a note\nhttps://a.example/,x,surplus\nhttps://b.example/\n"https://c.example/,x\n',
    );
    expect(file.rows.map((r) => [r.line, r.problem ?? null])).toEqual([
      [2, 'the url cell is empty'],
      [3, 'the row has 3 cells but the header names 2'],
      [4, null],
      [5, 'a quoted cell is never closed (missing ")'],
    ]);
  });

  it('refuses a CSV without a url column, or with two for one field', () => {
    expect(() => parseReportFile('r.csv', 'link,note\nhttps://a.example/,x\n')).toThrow(
      expect.objectContaining({ code: 'intake.bad-file' }),
    );
    expect(() => parseReportFile('r.csv', 'url,case,case_ref\nhttps://a.example/,1,2\n')).toThrow(
      expect.objectContaining({ code: 'intake.bad-file' }),
    );
  });

  it('reads other file names as CSV only when the header names a url column', () => {
    expect(parseReportFile('export', 'url,note\nhttps://a.example/,x\n').format).toBe('csv');
    expect(parseReportFile('export', 'https://a.example/\n').format).toBe('text');
  });
});

describe('rowToReport', () => {
  const row = (values: Record<string, string>) => ({ line: 2, values });

  it('normalises enum spellings and lets cells win over defaults', () => {
    expect(
      rowToReport(row({ url: 'https://a.example/', sourceType: 'Trusted-Flagger', category: 'FRAUD' }), {
        sourceType: 'volunteer',
        caseRef: 'C-1',
        category: 'drugs',
      }),
    ).toEqual({
      ok: true,
      report: { url: 'https://a.example/', sourceType: 'trusted_flagger', category: 'fraud', caseRef: 'C-1' },
    });
  });

  it('defaults the source to citizen', () => {
    expect(rowToReport(row({ url: 'https://a.example/' }), {})).toMatchObject({
      ok: true,
      report: { sourceType: 'citizen' },
    });
  });

  it('rejects unknown categories and over-long fields with a reason', () => {
    expect(rowToReport(row({ url: 'u', category: 'weapons' }), {})).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^input\.invalid: category: /),
    });
    expect(rowToReport(row({ url: 'u', note: 'x'.repeat(5001) }), {})).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^input\.invalid: note: /),
    });
  });
});

describe('parseReceivedAt', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  it('reads dates and zoned times as UTC', () => {
    expect(parseReceivedAt('2026-01-31', now)).toBe('2026-01-31T00:00:00.000Z');
    expect(parseReceivedAt('2026-01-31T10:00:00Z', now)).toBe('2026-01-31T10:00:00.000Z');
    expect(parseReceivedAt('2026-01-31 10:00+03:00', now)).toBe('2026-01-31T07:00:00.000Z');
    expect(parseReceivedAt('2026-01-31T10:00:00.123456-05:30', now)).toBe('2026-01-31T15:30:00.123Z');
  });

  it('refuses times without a zone, impossible dates and the future', () => {
    for (const bad of [
      '2026-01-31T10:00',
      '31.01.2026',
      '2026-02-30',
      '2026-13-01',
      '2026-03-03',
      'yesterday',
    ]) {
      expect(() => parseReceivedAt(bad, now), bad).toThrow(
        expect.objectContaining({ code: 'input.invalid' }),
      );
    }
  });
});
