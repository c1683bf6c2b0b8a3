import type { ImportLine } from '@shared/contract/methods/intake';
import { isCsvList, sniffDelimiter, stripBom } from '@core/intake/report-file';

/** One call's worth of a list: the server's import takes the content in one request. */
export type ImportBatch = Readonly<{
  content: string;
  /** The list line (1-based) of the batch's first line after the header. */
  firstLine: number;
  /** Lines before `firstLine` in `content`: the CSV header repeated, or none. */
  headerLines: number;
}>;

export const BATCH_LINES = 1000;
/** Well under the contract's 20,000,000 characters of `reports.import`, so one batch is one modest request. */
export const BATCH_CHARS = 2_000_000;

/** An odd number of quotes so far: the line ends inside a quoted CSV cell, which goes on. */
const insideQuotes = (line: string, open: boolean): boolean =>
  (line.match(/"/g)?.length ?? 0) % 2 === 1 ? !open : open;

/**
 * Cuts a report list into batches of whole records: a CSV's header goes first in every batch, and
 * a cell quoted over several lines is never cut. Line numbers stay those of the file (`fileLine`).
 */
export function importBatches(fileName: string, content: string, maxLines = BATCH_LINES): ImportBatch[] {
  const text = stripBom(content);
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.at(-1) === '') lines.pop();
  const csv = isCsvList(fileName.toLowerCase(), sniffDelimiter(text));
  const header = csv ? (lines.shift() ?? '') : null;
  const start = csv ? 2 : 1;
  const batches: ImportBatch[] = [];
  let chunk: string[] = [];
  let chunkStart = start;
  let chars = 0;
  let open = false;
  const flush = (nextStart: number): void => {
    if (chunk.length > 0)
      batches.push({
        content: `${[...(header === null ? [] : [header]), ...chunk].join('\n')}\n`,
        firstLine: chunkStart,
        headerLines: header === null ? 0 : 1,
      });
    chunk = [];
    chars = 0;
    chunkStart = nextStart;
  };
  lines.forEach((line, i) => {
    chunk.push(line);
    chars += line.length + 1;
    open = csv && insideQuotes(line, open);
    if (!open && (chunk.length >= maxLines || chars >= BATCH_CHARS)) flush(start + i + 1);
  });
  flush(start + lines.length);
  // An empty list is still one call: the server says what it makes of it.
  return batches.length > 0 ? batches : [{ content: text, firstLine: start, headerLines: 0 }];
}

/** A line of a batch's result as the line of the whole file. */
export const fileLine = (batch: ImportBatch, l: ImportLine): ImportLine => ({
  ...l,
  line: l.line - batch.headerLines - 1 + batch.firstLine,
});
