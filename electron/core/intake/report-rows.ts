import { AppError } from '@shared/errors/app-error';
import { echoPrefix, lineText, MAX_LINE_BYTES, type ListLine } from './list-lines';
import {
  csvColumns,
  csvRow,
  isCsvList,
  parseCsvRecords,
  sniffDelimiter,
  stripBom,
  type CsvColumns,
  type ReportRow,
} from './report-file';

/**
 * The rows of a report list, one at a time, from its lines (`splitLines`): the streaming form of
 * `parseReportFile`, with the same formats and the same refusals, holding at most one record.
 * Throws `intake.bad-file` for what makes the whole file unreadable (a header without `url`, bytes
 * that are not UTF-8, a NUL); a line that is only too long becomes a row with a `problem`.
 */
export async function* reportRows(
  lines: AsyncIterable<ListLine>,
  fileName: string,
): AsyncGenerator<ReportRow> {
  let format: Readonly<
    { kind: 'text' } | { kind: 'csv'; delimiter: ',' | ';' | '\t'; columns: CsvColumns }
  > | null = null;
  let pending: { line: number; text: string } | null = null;
  const tooLong = (l: ListLine & { kind: 'too-long' }): ReportRow => ({
    line: l.line,
    values: { url: echoPrefix(lineText(l, fileName)) },
    problem: `the line is ${l.length} bytes; at most ${MAX_LINE_BYTES} are read`,
  });
  for await (const l of lines) {
    if (format === null) {
      const first = stripBom(lineText(l, fileName));
      format = headerOf(fileName, first);
      if (format.kind === 'csv') continue;
    }
    if (format.kind === 'text') {
      if (l.kind === 'too-long') {
        yield tooLong(l);
        continue;
      }
      const url = (l.line === 1 ? stripBom(lineText(l, fileName)) : lineText(l, fileName)).trim();
      if (url !== '' && !url.startsWith('#')) yield { line: l.line, values: { url } };
      continue;
    }
    if (l.kind === 'too-long') {
      // A record cut in the middle cannot be trusted; the next line starts afresh.
      pending = null;
      yield tooLong(l);
      continue;
    }
    const text = lineText(l, fileName);
    pending =
      pending === null ? { line: l.line, text } : { line: pending.line, text: `${pending.text}\n${text}` };
    if (pending.text.length > MAX_LINE_BYTES) {
      yield {
        line: pending.line,
        values: { url: echoPrefix(pending.text) },
        problem: `the record is longer than ${MAX_LINE_BYTES} characters`,
      };
      pending = null;
      continue;
    }
    const [record] = parseCsvRecords(pending.text, format.delimiter);
    // A quoted cell still open at the end of the line goes on on the next line (RFC 4180).
    if (record?.unterminated === true) continue;
    const start = pending.line;
    pending = null;
    if (record === undefined) continue;
    const row = csvRow({ ...record, line: start }, format.columns);
    if (row !== null) yield row;
  }
  if (pending !== null && format?.kind === 'csv') {
    const [record] = parseCsvRecords(pending.text, format.delimiter);
    const row = record === undefined ? null : csvRow({ ...record, line: pending.line }, format.columns);
    if (row !== null) yield row;
  }
}

function headerOf(
  fileName: string,
  firstLine: string,
): Readonly<{ kind: 'text' } | { kind: 'csv'; delimiter: ',' | ';' | '\t'; columns: CsvColumns }> {
  const sniffed = sniffDelimiter(firstLine);
  if (!isCsvList(fileName.toLowerCase(), sniffed)) return { kind: 'text' };
  if (sniffed === null) {
    throw new AppError(
      'intake.bad-file',
      `${fileName}: the first line must name the columns and one of them must be "url" (delimiter , ; or tab)`,
    );
  }
  const header = parseCsvRecords(firstLine, sniffed)[0]?.cells ?? [];
  return { kind: 'csv', delimiter: sniffed, columns: csvColumns(fileName, header) };
}
