import { statfsSync } from 'node:fs';
import { AppError, isAppError } from '@shared/errors/app-error';

type ErrorLike = Readonly<{ code?: unknown; message?: unknown }>;

const textOf = (error: unknown): { code: string; message: string } => {
  if (typeof error !== 'object' || error === null) return { code: '', message: String(error) };
  const e = error as ErrorLike;
  return {
    code: typeof e.code === 'string' ? e.code : '',
    message: typeof e.message === 'string' ? e.message : '',
  };
};

/** Less than this free is full for SQLite: it grows its files by pages (and `-shm` by 32 KiB). */
const NEARLY_FULL_BYTES = 64 * 1024;

function diskIsFull(dir: string): boolean {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}

/**
 * ENOSPC/EDQUOT from the file system, SQLITE_FULL from SQLite: the disk (or the quota) is full. SQLite
 * reports a `-shm` file it cannot grow as SQLITE_IOERR, so with `dir` an I/O error on a disk that has
 * no space left counts as full too.
 */
export function isDiskFull(error: unknown, dir?: string): boolean {
  if (isAppError(error)) return error.code === 'store.disk-full';
  const { code, message } = textOf(error);
  if (
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    code === 'SQLITE_FULL' ||
    /\b(ENOSPC|EDQUOT|SQLITE_FULL)\b|database or disk is full|no space left on device/i.test(message)
  )
    return true;
  return dir !== undefined && /\bSQLITE_IOERR\b|\bEIO\b/.test(`${code} ${message}`) && diskIsFull(dir);
}

/** SQLite's words for a database file that is not (or no longer) a database it can read. */
export function isDamagedDatabase(error: unknown): boolean {
  if (isAppError(error)) return false;
  const { code, message } = textOf(error);
  return (
    code === 'SQLITE_CORRUPT' ||
    code === 'SQLITE_NOTADB' ||
    /\b(SQLITE_CORRUPT|SQLITE_NOTADB)\b|malformed|file is not a database/i.test(message)
  );
}

export const diskFullError = (dataDir: string, cause: unknown): AppError =>
  isAppError(cause) && cause.code === 'store.disk-full'
    ? cause
    : new AppError(
        'store.disk-full',
        `the disk holding the data dir ${dataDir} is full (${textOf(cause).code || textOf(cause).message.split('\n')[0] || 'no space'}): free space, then retry (the step that failed did not complete)`,
      );

/**
 * The environment problem behind a low-level error, as the one-line error a user can act on
 * (DESIGN §10: exit 3, the data dir or file named), or null when it is none of these.
 */
export function storeErrorOf(error: unknown, dataDir: string, dbPath?: string): AppError | null {
  if (isDiskFull(error, dataDir)) return diskFullError(dataDir, error);
  if (isDamagedDatabase(error))
    return new AppError(
      'store.damaged',
      `the database ${dbPath ?? `in ${dataDir}`} is damaged (${textOf(error).message.split('\n')[0] ?? ''}): restore it from a backup`,
    );
  return null;
}
