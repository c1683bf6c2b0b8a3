import pg from 'pg';
import { AppError } from '@shared/errors/app-error';
import type { Database, ReadConn, SqlParams, SqlValue, WriteConn } from './database';
import { postgresDialect } from './dialect';

/**
 * The `Database` of `database.ts` on PostgreSQL. Invariant: every write transaction of every process
 * that shares the server holds the same transaction-scoped advisory lock, so writes are serialised
 * exactly as SQLite's `BEGIN IMMEDIATE` serialises them — two writers can never both read the custody
 * head and append after it. Reads run on a pool and see only committed data.
 */

/** One key for the whole unit's write lock (any fixed 64-bit number; this one spells "vigil"). */
const WRITE_LOCK_KEY = 0x766967696c;
const READ_POOL_SIZE = 4;

/**
 * Repositories write `?` placeholders; PostgreSQL numbers them (`$1`, `$2`, …). A `?` inside a string
 * literal, a quoted name or a comment is text, not a placeholder, and is left alone.
 */
export function numberPlaceholders(sql: string): string {
  const known = numbered.get(sql);
  if (known !== undefined) return known;
  const out = numberPlaceholdersOnce(sql);
  // Repositories issue a few hundred distinct statements; the bound keeps one-off texts from piling up.
  if (numbered.size < 512) numbered.set(sql, out);
  return out;
}

const numbered = new Map<string, string>();

function numberPlaceholdersOnce(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] ?? '';
    if (ch === "'" || ch === '"') {
      const end = closingQuote(sql, i, ch);
      out += sql.slice(i, end);
      i = end;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === '?') {
      n += 1;
      out += `$${n}`;
      i += 1;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

/** The index just past the literal opened at `start`; a doubled quote is an escaped one. */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}

function values(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return [];
  if (!Array.isArray(params)) {
    throw new AppError('internal.unexpected', 'named SQL parameters are not supported on PostgreSQL');
  }
  // 64-bit integers travel as text; PostgreSQL casts them to the column's type.
  return (params as readonly SqlValue[]).map((v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Trigger refusals carry the same marker as on SQLite, so they surface as the same typed refusal. */
function translate(err: unknown): unknown {
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('append-only')) return new AppError('db.append-only', message);
  return err;
}

/**
 * Values come back as SQLite hands them to the repositories: 64-bit counts and sums as numbers (every
 * one Vigil keeps is far below 2^53), and truth values (`EXISTS`, comparisons) as 1 and 0.
 */
function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  const asNumber = (text: string): number => Number(text);
  types.setTypeParser(pg.types.builtins.INT8, asNumber);
  types.setTypeParser(pg.types.builtins.NUMERIC, asNumber);
  types.setTypeParser(pg.types.builtins.BOOL, (text: string) => (text === 't' ? 1 : 0));
  return types;
}

type Queryable = Pick<pg.Client, 'query'>;

function wrap(q: Queryable): WriteConn {
  const query = async (sql: string, p?: SqlParams): Promise<pg.QueryResult> => {
    try {
      return await q.query({ text: numberPlaceholders(sql), values: values(p) });
    } catch (error) {
      throw translate(error);
    }
  };
  return {
    dialect: postgresDialect,
    get: async <T>(sql: string, p?: SqlParams) => (await query(sql, p)).rows[0] as T | undefined,
    all: async <T>(sql: string, p?: SqlParams) => (await query(sql, p)).rows as T[],
    run: async (sql, p) => {
      const result = await query(sql, p);
      // `dialect.returningKey` makes an INSERT return its key: that is the row's lastID.
      const row = result.rows[0] as Readonly<Record<string, unknown>> | undefined;
      const first = row === undefined ? undefined : Object.values(row)[0];
      return {
        changes: result.rowCount ?? 0,
        lastID: typeof first === 'number' ? first : Number(first ?? 0),
      };
    },
    exec: async (sql) => {
      try {
        // The simple-query protocol: several statements in one string, no parameters.
        await q.query(sql);
      } catch (error) {
        throw translate(error);
      }
    },
  };
}

/** The server's address for messages, `Database.path` and the data dir marker: never the password. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    return u.toString();
  } catch {
    return 'postgres';
  }
}

/** How long a server that does not answer (a firewall dropping packets) is waited for. */
const CONNECT_TIMEOUT_MS = 10_000;

/** PostgreSQL's SQLSTATE and the socket's errno in words a user can act on. */
const CONNECT_PROBLEMS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (is the server running, and listening on that address?)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name cannot be resolved now',
  ETIMEDOUT: 'the server does not answer',
  ECONNRESET: 'the server closed the connection',
  '28P01': 'the server refused the password',
  '28000': 'the server refused the sign-in (pg_hba.conf or the user name)',
  '3D000': 'the database does not exist (create it first: createdb)',
  '57P03': 'the server is starting up or shutting down',
};

/** A failed connection as one line naming the server (without its password). */
export function connectError(url: string, error: unknown): AppError {
  const code = (error as { code?: unknown }).code;
  const known = typeof code === 'string' ? CONNECT_PROBLEMS[code] : undefined;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new AppError(
    'env.database',
    `cannot use the database server ${withoutPassword(url)}: ${known ?? message ?? 'unknown error'}`,
  );
}

export async function openPostgresDatabase(url: string): Promise<Database> {
  const types = typeParsers();
  const options = { connectionString: url, types, connectionTimeoutMillis: CONNECT_TIMEOUT_MS };
  const client = new pg.Client(options);
  // A refused connection also reports an 'error' event on some paths; unheard it would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw connectError(url, error);
  }
  const pool = new pg.Pool({ ...options, max: READ_POOL_SIZE });
  // A dropped connection is reported on these events; unheard, Node would end the process. The writer's
  // loss refuses every later write; an idle reader is simply replaced by the pool.
  let lost: Error | null = null;
  client.on('error', (error) => {
    lost = error;
  });
  pool.on('error', () => undefined);
  const writer = wrap(client);

  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const write = <T>(fn: (tx: WriteConn) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new AppError('internal.unexpected', 'database is closed'));
    const job = queue.then(async () => {
      if (lost !== null)
        throw new AppError('db.locked', `the connection to the database server was lost: ${lost.message}`);
      await writer.exec('BEGIN');
      try {
        await writer.run('SELECT pg_advisory_xact_lock(?)', [WRITE_LOCK_KEY]);
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

  const read = async <T>(fn: (conn: ReadConn) => Promise<T>): Promise<T> => {
    const conn = wrap(pool);
    return fn({ dialect: conn.dialect, get: conn.get, all: conn.all });
  };

  return {
    path: withoutPassword(url),
    read,
    write,
    raw: writer,
    close: async () => {
      if (closed) return;
      closed = true;
      await queue;
      await pool.end();
      await client.end();
    },
  };
}
