import { describe, expect, it } from 'vitest';
import { parseHashListFile } from '@core/media/hash-list-file';
import { nextListVersion } from '@core/media/hash-lists';

const SHA = 'ab'.repeat(32);
const MD5 = 'cd'.repeat(16);
const PDQ = 'ef'.repeat(32);

describe('hash list files', () => {
  it('reads CSV with a header, quoted fields, blank lines, extra columns, a default label', () => {
    const csv = `id,SHA256,md5,pdq,label\r\n7,${SHA.toUpperCase()},,,\r\n\r\n"8",,${MD5},"${PDQ}",csam.a1\n`;
    expect(parseHashListFile(csv)).toEqual({
      format: 'csv',
      entries: [
        { sha256: SHA, md5: null, pdq: null, label: 'suspected_csam' },
        { sha256: null, md5: MD5, pdq: PDQ, label: 'csam.a1' },
      ],
    });
  });

  it('reads JSON as an array or as {entries}', () => {
    expect(parseHashListFile(JSON.stringify([{ pdq: PDQ, label: 'b2' }])).entries).toEqual([
      { sha256: null, md5: null, pdq: PDQ, label: 'b2' },
    ]);
    expect(parseHashListFile(`\uFEFF${JSON.stringify({ entries: [{ sha256: SHA }] })}`).format).toBe('json');
  });

  it.each([
    [`sha256,label\n${SHA},x\n${SHA.slice(2)},y\n`, 'line 3: sha256 is not 64 hex digits'],
    [`md5\n${MD5}z\n`, 'line 2: md5 is not 32 hex digits'],
    [`pdq,md5\n${PDQ},${MD5}\n,\n`, 'line 3: no sha256, md5 or pdq'],
    [`pdq\n${PDQ},extra\n`, 'line 2: 2 fields, the header has 1'],
    [`sha256,label\n${SHA},Not A Slug!\n`, 'line 2: label must be a short slug'],
    [`name,url\nx,y\n`, 'line 1: the header names none of sha256, md5, pdq'],
    [`pdq\n"${PDQ}\n`, 'line 2: unterminated quoted field'],
    [JSON.stringify([{ sha256: SHA }, { pdq: 42 }]), 'entry 2: pdq must be text'],
    [JSON.stringify([{ sha256: SHA }, 'x']), 'entry 2: is not an object'],
    ['[{"sha256": ', 'the file: is not valid JSON'],
    ['{"list": []}', 'the file: JSON must be an array'],
    ['', 'the file: is empty'],
  ])('refuses a bad row with one line naming it (%#)', (text, message) => {
    expect(() => parseHashListFile(text)).toThrow(message);
  });

  it('numbers versions after the largest whole-number one', () => {
    expect(nextListVersion([])).toBe('1');
    expect(nextListVersion(['1', '2024-06', '3'])).toBe('4');
    expect(nextListVersion(['2024-06'])).toBe('1');
  });
});
