import { describe, expect, it } from 'vitest';
import { fileLine, importBatches } from '@core/cli/remote-cli-import';
import { parseReportFile } from '@core/intake/report-file';

describe('importBatches (report import over --server)', () => {
  it('repeats the CSV header in every batch and keeps the file’s line numbers', () => {
    const csv = 'url,note\nhttps://a.example/1,one\nhttps://a.example/2,two\nhttps://a.example/3,three\n';
    const batches = importBatches('list.csv', csv, 2);
    expect(batches.map((b) => b.content)).toEqual([
      'url,note\nhttps://a.example/1,one\nhttps://a.example/2,two\n',
      'url,note\nhttps://a.example/3,three\n',
    ]);
    // What the server's parser numbers in a batch maps back to the line of the whole file.
    const second = batches[1];
    if (second === undefined) throw new Error('no second batch');
    const row = parseReportFile('list.csv', second.content).rows[0];
    expect(
      fileLine(second, { line: row?.line ?? 0, url: 'https://a.example/3', outcome: 'added' }).line,
    ).toBe(4);
  });

  it('never cuts a cell quoted over several lines', () => {
    const csv = 'url,note\nhttps://a.example/1,"first\nsecond\nthird"\nhttps://a.example/2,x\n';
    const batches = importBatches('list.csv', csv, 1);
    expect(batches[0]?.content).toBe('url,note\nhttps://a.example/1,"first\nsecond\nthird"\n');
    expect(batches[1]).toMatchObject({ content: 'url,note\nhttps://a.example/2,x\n', firstLine: 5 });
  });

  it('numbers a text list without a header', () => {
    const batches = importBatches('list.txt', '# c\nhttps://a.example/1\nhttps://a.example/2\n', 2);
    expect(batches.map((b) => [b.firstLine, b.headerLines])).toEqual([
      [1, 0],
      [3, 0],
    ]);
    const last = batches[1];
    if (last === undefined) throw new Error('no second batch');
    expect(fileLine(last, { line: 1, url: 'https://a.example/2', outcome: 'added' }).line).toBe(3);
  });
});
