import sqlite3 from 'sqlite3';
import { AppError } from '@shared/errors/app-error';
import { sqliteDialect, type Dialect } from './dialect';

export type SqlValue = string | number | bigint | null | Buffer;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

/**
 * A connection that can only read: what `Database.read` hands out. A repository function that takes a
 * `ReadConn` cannot write, and a write function (`WriteConn`) cannot be called inside a read: the
 * compiler refuses it. Only repositories and migrations write SQL against either.
 */
export type ReadConn = Readonly<{
  /** The engine's SQL for the few constructs SQLite and PostgreSQL write differently. */
  dialect: Dialect;
  get: <T>(sql: string, params?: SqlParams) => Promise<T | undefined>;
  all: <T>(sql: string, params?: SqlParams) => Promise<T[]>;
}>;

/** The writer connection, inside the write queue's transaction (or `raw`, outside any). */
export type WriteConn = ReadConn &
  Readonly<{
    run: (sql: string, params?: SqlParams) => Promise<{ changes: number; lastID: number }>;
    exec: (sql: string) => Promise<void>;
  }>;

export type Database = Readonly<{
  /** The SQLite file, or the PostgreSQL server's address without its password. */
  path: string;
  /** Reads run on their own connection and see only committed data (WAL). */
  read: <T>(fn: (conn: ReadConn) => Promise<T>) => Promise<T>;
  /**
   * Every write goes through one queue and runs in `BEGIN IMMEDIATE … COMMIT`: the transaction takes
   * SQLite's write lock at once, so a second process waits (busy_timeout) instead of failing halfway.
   */
  write: <T>(fn: (tx: WriteConn) => Promise<T>) => Promise<T>;
  /** The writer connection outside any transaction, for statements SQLite forbids inside one. */
  raw: WriteConn;
  close: () => Promise<void>;
}>;

const BUSY_TIMEOUT_MS = 15_000;

function wrap(db: sqlite3.Database): WriteConn {
  const params = (p?: SqlParams): unknown => p ?? [];
  return {
    dialect: sqliteDialect,
    run: (sql, p) =>
      new Promise((resolve, reject) => {
        db.run(sql, params(p), function onRun(this: sqlite3.RunResult, err: Error | null) {
          if (err) reject(translate(err));
          else resolve({ changes: this.changes, lastID: this.lastID });
        });
      }),
    get: <T>(sql: string, p?: SqlParams) =>
      new Promise<T | undefined>((resolve, reject) => {
        db.get(sql, params(p), (err: Error | null, row: T | undefined) =>
          err ? reject(translate(err)) : resolve(row),
        );
      }),
    all: <T>(sql: string, p?: SqlParams) =>
      new Promise<T[]>((resolve, reject) => {
        db.all(sql, params(p), (err: Error | null, rows: T[]) =>
          err ? reject(translate(err)) : resolve(rows),
        );
      }),
    exec: (sql) =>
      new Promise((resolve, reject) => {
        db.exec(sql, (err: Error | null) => (err ? reject(translate(err)) : resolve()));
      }),
  };
}

/** Trigger aborts carry our own marker so they surface as a clear, typed refusal. */
function translate(err: Error): Error {
  const message = err.message;
  if (message.includes('append-only'))
    return new AppError('db.append-only', message.replace(/^SQLITE_CONSTRAINT: /, ''));
  if (message.includes('SQLITE_BUSY')) return new AppError('db.locked', `the database is busy: ${message}`);
  return err;
}

/** Hands out only the reading half, so a cast is needed to write through a reader. */
function readOnly(conn: WriteConn): ReadConn {
  return { dialect: conn.dialect, get: conn.get, all: conn.all };
}

function openConnection(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

function closeConnection(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
}

export type OpenDatabaseOptions = Readonly<{
  /**
   * One connection in SQLite's exclusive locking mode: the WAL index lives in memory instead of the
   * `-shm` file, so a database on a full disk can still be read (the read-only checks). Other
   * processes wait while it is open.
   */
  exclusive?: boolean;
}>;

export async function openDatabase(path: string, opts: OpenDatabaseOptions = {}): Promise<Database> {
  const writerDb = await openConnection(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE);
  const writer = wrap(writerDb);
  let readerDb: sqlite3.Database | null = null;
  try {
    await writer.exec(
      `PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; ${opts.exclusive === true ? 'PRAGMA locking_mode = EXCLUSIVE; ' : ''}PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;`,
    );
    readerDb = opts.exclusive === true ? writerDb : await openConnection(path, sqlite3.OPEN_READONLY);
    if (readerDb !== writerDb)
      await wrap(readerDb).exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA foreign_keys = ON;`);
  } catch (error) {
    // A connection left open would hold its locks (e.g. a full disk failing the WAL set-up).
    if (readerDb !== null && readerDb !== writerDb) await closeConnection(readerDb).catch(() => undefined);
    await closeConnection(writerDb).catch(() => undefined);
    throw error;
  }
  const openReader = readerDb;
  const reader = wrap(openReader);

  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const write = <T>(fn: (tx: WriteConn) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new AppError('internal.unexpected', 'database is closed'));
    const job = queue.then(async () => {
      await writer.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(writer);
        await writer.exec('COMMIT');
        return result;
      } catch (error) {
        await writer.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
    // The queue must keep going after a failed job; the caller still sees the failure.
    queue = job.catch(() => undefined);
    return job;
  };

  return {
    path,
    read: (fn) => fn(readOnly(reader)),
    write,
    raw: writer,
    close: async () => {
      if (closed) return;
      closed = true;
      await queue;
      if (openReader !== writerDb) await closeConnection(openReader);
      await closeConnection(writerDb);
    },
  };
}
