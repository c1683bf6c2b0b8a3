import { AppError } from '@shared/errors/app-error';

/**
 * Longest physical line of a report list that is read (bytes). A URL may be 8 KiB (normalize-url.ts);
 * a CSV row also carries a note and a few short cells. A longer line is refused as a line, and its
 * bytes are skipped, never held: a 50 MB "list" of one line costs 16 KiB of memory, not 50 MB.
 */
export const MAX_LINE_BYTES = 16 * 1024;

/** Default for the `importMaxBytes` setting: far above any platform's list, far below a disk image. */
export const DEFAULT_IMPORT_MAX_BYTES = 64 * 1024 * 1024;

/** How much of a refused line is ever shown back (characters): enough to find it in the file. */
export const ECHO_PREFIX_CHARS = 80;

export type ListLine =
  | Readonly<{ line: number; kind: 'text'; bytes: Buffer }>
  /** A line over MAX_LINE_BYTES: only its first bytes are kept, to name it. */
  | Readonly<{ line: number; kind: 'too-long'; bytes: Buffer; length: number }>;

export type LineLimits = Readonly<{ fileName: string; maxFileBytes: number; maxLineBytes?: number }>;

/** The first characters of a refused value, with an ellipsis when it was cut. */
export const echoPrefix = (s: string): string =>
  s.length > ECHO_PREFIX_CHARS ? `${s.slice(0, ECHO_PREFIX_CHARS)}…` : s;

/**
 * Splits a byte stream into lines on LF (a CR before it is dropped). Splitting bytes before decoding
 * is safe because 0x0A never occurs inside a multi-byte UTF-8 sequence, and it lets the caller name
 * the line whose bytes are not UTF-8. Memory stays flat: at most one line of MAX_LINE_BYTES is held.
 * Reading stops with `intake.bad-file` as soon as more than `maxFileBytes` have arrived, whatever the
 * file claimed to be (a device or a growing file never ends otherwise).
 */
export async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  limits: LineLimits,
): AsyncGenerator<ListLine> {
  const maxLine = limits.maxLineBytes ?? MAX_LINE_BYTES;
  let parts: Buffer[] = [];
  let held = 0;
  let length = 0;
  let total = 0;
  let line = 1;
  const take = (): ListLine => {
    let bytes = Buffer.concat(parts);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    const out: ListLine =
      length > maxLine
        ? { line, kind: 'too-long', bytes: bytes.subarray(0, 256), length }
        : { line, kind: 'text', bytes };
    parts = [];
    held = 0;
    length = 0;
    line += 1;
    return out;
  };
  const keep = (piece: Buffer): void => {
    length += piece.length;
    // Past the limit the rest of the line is only counted, never held.
    const room = maxLine + 1 - held;
    if (room > 0) {
      const kept = piece.subarray(0, room);
      parts.push(Buffer.from(kept));
      held += kept.length;
    }
  };
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > limits.maxFileBytes) {
      throw new AppError(
        'intake.bad-file',
        `${limits.fileName} is larger than the import limit of ${limits.maxFileBytes} bytes (setting importMaxBytes); split the list`,
      );
    }
    let from = 0;
    for (let nl = chunk.indexOf(0x0a, from); nl !== -1; nl = chunk.indexOf(0x0a, from)) {
      keep(chunk.subarray(from, nl));
      yield take();
      from = nl + 1;
    }
    if (from < chunk.length) keep(chunk.subarray(from));
  }
  if (length > 0) yield take();
}

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/**
 * A line's text. Bytes that are not UTF-8 are refused, not turned into U+FFFD: a report must hold what
 * was sent, and a list with one such line was saved in another encoding, so every line is suspect.
 */
export function lineText(l: ListLine, fileName: string): string {
  if (l.kind === 'too-long') return lenient.decode(l.bytes);
  if (l.bytes.includes(0)) {
    throw new AppError('intake.bad-file', `${fileName} line ${l.line} contains a NUL byte: not a text file`);
  }
  try {
    return strict.decode(l.bytes);
  } catch {
    throw new AppError(
      'intake.bad-file',
      `${fileName} line ${l.line} is not UTF-8 text; save the list as UTF-8 (CSV UTF-8) and import again`,
    );
  }
}
