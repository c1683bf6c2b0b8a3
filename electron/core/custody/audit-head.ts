import { existsSync } from 'node:fs';
import { appendFile, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { AuditRow, AuditVerifyResult } from '@shared/contract/methods/custody';
import { AppError } from '@shared/errors/app-error';
import type { Database, ReadConn, WriteConn } from '../db/database';
import type { DataPaths } from '../data-dir';
import { isDiskFull } from '../store/store-errors';
import { auditHashesBetween } from '../db/repositories/audit-repo';
import { allSignedHeads, insertSignedHead, newestSignedHead } from '../db/repositories/audit-heads-repo';
import { chainContinues, verifyAudit, type AuditAnchor } from './audit-log';
import { canonicalJson } from './canonical-json';
import { signEs256, verifyEs256 } from './signing';

/**
 * The signed head of the custody log and its history. The head catches rows cut off the end of the
 * log, which a hash chain alone cannot show; the history keeps that proof after new rows have passed
 * the old position, and after an older head is put back. Where they are kept is a `HeadStore`: on a
 * workstation (SQLite) `logs/audit-head.json` and `logs/audit-heads.jsonl` (one signed head per line,
 * only ever appended); on a shared PostgreSQL database the `audit_heads` table, because every server
 * process appends to the same chain and no one data dir can hold its head.
 */
export const SignedHead = z.object({
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.string(),
  keyId: z.string(),
  signature: z.string(),
});
export type SignedHead = z.infer<typeof SignedHead>;

export type HeadKey = Readonly<{ privateKey: KeyObject; publicKeyPem: string; keyId: string }>;

/** The signed head for a row: a pure function, so other code (time-stamping heads) can compute it. */
export function signHead(key: HeadKey, row: Readonly<{ seq: number; hash: string; at: string }>): SignedHead {
  const signed = { seq: row.seq, hash: row.hash, at: row.at };
  return {
    ...signed,
    keyId: key.keyId,
    signature: signEs256(key.privateKey, canonicalJson(signed)).toString('base64'),
  };
}

/** Whether `head` is signed by the key `publicKeyPem` (its keyId is not part of what is signed). */
export const headVerifies = (publicKeyPem: string, head: SignedHead): boolean => {
  const { signature, keyId: _keyId, ...signed } = head;
  return verifyEs256(publicKeyPem, canonicalJson(signed), Buffer.from(signature, 'base64'));
};

/** Where the signed head and its history are kept; every read verifies the signatures. */
export type HeadStore = Readonly<{
  /** Named in messages: the head file, or the database table. */
  where: string;
  /**
   * True when the head is written in the write transaction of the rows it signs (a shared database):
   * then two server processes can never write heads out of order. The files are written after commit.
   */
  inTransaction: boolean;
  /** The current head, or null when there is none yet (only while a data dir is being initialised). */
  head: (conn: ReadConn, publicKeyPem: string) => Promise<SignedHead | null>;
  /** Every head the history holds; one that does not parse or verify is reported, never skipped. */
  history: (
    conn: ReadConn,
    publicKeyPem: string,
  ) => Promise<{ heads: AuditAnchor[]; problem: string | null }>;
  /** Appends `head` to the history and makes it the current head. */
  append: (tx: WriteConn, head: SignedHead) => Promise<void>;
}>;

/** The head in the data dir's `logs/` folder: a workstation's own SQLite database. */
export function fileHeadStore(paths: DataPaths): HeadStore {
  return {
    where: paths.auditHead,
    inTransaction: false,
    head: (_conn, publicKeyPem) => readHead(paths, publicKeyPem),
    history: (_conn, publicKeyPem) => readHeadHistory(paths, publicKeyPem),
    append: async (_tx, head) => {
      const body = `${JSON.stringify(head)}\n`;
      // History first: a head is never newer than the newest head in the history.
      await appendFile(paths.auditHeadHistory, body, { mode: 0o644 });
      const tmp = `${paths.auditHead}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, `${JSON.stringify(head, null, 2)}\n`, { mode: 0o644 });
        await rename(tmp, paths.auditHead);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
    },
  };
}

const AUDIT_HEADS_TABLE = 'the audit_heads table';

/** A stored row as a head, or the reason it is not one (parsed like a line of the history file). */
function headOfRow(row: unknown, publicKeyPem: string): SignedHead | string {
  const result = SignedHead.safeParse(row);
  if (!result.success) return `a row of ${AUDIT_HEADS_TABLE} is not a head record`;
  if (!headVerifies(publicKeyPem, result.data))
    return `the head at row ${result.data.seq} of ${AUDIT_HEADS_TABLE} is not signed by this server's key (${result.data.keyId})`;
  return result.data;
}

/** The head in the shared database (migration 0190): the newest row is the head, all rows the history. */
export function databaseHeadStore(): HeadStore {
  return {
    where: AUDIT_HEADS_TABLE,
    inTransaction: true,
    head: async (conn, publicKeyPem) => {
      const row = await newestSignedHead(conn);
      if (row === null) return null;
      const head = headOfRow(row, publicKeyPem);
      if (typeof head === 'string')
        throw new AppError(
          'custody.signature-invalid',
          `the signed head of the audit log does not verify: ${head}`,
        );
      return head;
    },
    history: async (conn, publicKeyPem) => {
      const heads: AuditAnchor[] = [];
      for (const row of await allSignedHeads(conn)) {
        const head = headOfRow(row, publicKeyPem);
        if (typeof head === 'string') return { heads, problem: head };
        heads.push({ seq: head.seq, hash: head.hash });
      }
      return { heads, problem: null };
    },
    append: (tx, head) => insertSignedHead(tx, head),
  };
}

/** The store that goes with the database: the table on a shared PostgreSQL one, else the files. */
export const headStoreFor = (paths: DataPaths, db: Database): HeadStore =>
  db.raw.dialect.name === 'postgres' ? databaseHeadStore() : fileHeadStore(paths);

/** The head file's head, or null when there is none yet (only while a data dir is being initialised). */
export async function readHead(paths: DataPaths, publicKeyPem: string): Promise<SignedHead | null> {
  if (!existsSync(paths.auditHead)) return null;
  let parsed: SignedHead | null;
  try {
    const result = SignedHead.safeParse(JSON.parse(await readFile(paths.auditHead, 'utf8')));
    parsed = result.success ? result.data : null;
  } catch {
    parsed = null;
  }
  if (parsed === null)
    throw new AppError(
      'store.damaged',
      `${paths.auditHead} is not a valid head record (truncated or damaged): restore it from a backup`,
    );
  if (!headVerifies(publicKeyPem, parsed))
    throw new AppError(
      'custody.signature-invalid',
      `the signed head of the audit log (${paths.auditHead}) does not verify`,
    );
  return parsed;
}

/** Every head the history file holds; a line that does not parse or verify is reported, never skipped. */
export async function readHeadHistory(
  paths: DataPaths,
  publicKeyPem: string,
): Promise<{ heads: AuditAnchor[]; problem: string | null }> {
  if (!existsSync(paths.auditHeadHistory)) return { heads: [], problem: null };
  const lines = (await readFile(paths.auditHeadHistory, 'utf8')).split('\n');
  const heads: AuditAnchor[] = [];
  for (const [i, line] of lines.entries()) {
    // A crash can leave the last line unfinished; anything earlier must be whole.
    if (line.trim() === '') continue;
    let head: SignedHead | null;
    try {
      const result = SignedHead.safeParse(JSON.parse(line));
      head = result.success ? result.data : null;
    } catch {
      head = null;
    }
    if (head === null) {
      if (i === lines.length - 1) continue;
      return { heads, problem: `line ${i + 1} of ${paths.auditHeadHistory} is not a head record` };
    }
    if (!headVerifies(publicKeyPem, head))
      return {
        heads,
        problem: `line ${i + 1} of ${paths.auditHeadHistory} is not signed by this workstation`,
      };
    heads.push({ seq: head.seq, hash: head.hash });
  }
  return { heads, problem: null };
}

/**
 * Read-only: walks the chain against the current head and every head in the history. Writes
 * nothing, so it runs on a full disk and before anything is appended.
 */
export async function verifyCustodyLog(
  deps: Readonly<{ paths: DataPaths; db: Database; publicKeyPem: string }>,
): Promise<AuditVerifyResult> {
  const store = headStoreFor(deps.paths, deps.db);
  return deps.db.read(async (c: ReadConn) => {
    const head = await store.head(c, deps.publicKeyPem);
    const history = await store.history(c, deps.publicKeyPem);
    const anchors: AuditAnchor[] = [
      ...history.heads,
      ...(head === null ? [] : [{ seq: head.seq, hash: head.hash }]),
    ];
    const result = await verifyAudit(c, anchors);
    if (!result.ok || history.problem === null) return result;
    return { ...result, ok: false, firstBadSeq: null, problem: history.problem };
  });
}

/**
 * Whether `chained` — the rows one transaction of this process just appended, each hashed from the
 * one before as it was written — start right after the signed head and are in the log as written:
 * consecutive, the first naming the head's hash, the head's row still there with that hash, each
 * stored hash the one computed. Then the chain from the head to their end verifies without reading
 * the rows back and hashing them again (a bulk import appends a thousand rows per batch). Anything
 * else (another process wrote in between, the head lags behind) is walked by `chainContinues`.
 */
async function chainedFromHead(
  conn: ReadConn,
  head: SignedHead | null,
  chained: readonly AuditRow[],
): Promise<boolean> {
  const first = chained[0];
  const last = chained.at(-1);
  if (head === null || first === undefined || last === undefined) return false;
  if (first.seq !== head.seq + 1 || first.prevHash !== head.hash) return false;
  for (let i = 1; i < chained.length; i += 1) {
    const row = chained[i];
    const before = chained[i - 1];
    if (row === undefined || before === undefined) return false;
    if (row.seq !== before.seq + 1 || row.prevHash !== before.hash) return false;
  }
  const stored = await auditHashesBetween(conn, head.seq, last.seq);
  if (stored.length !== chained.length + 1 || stored[0]?.hash !== head.hash) return false;
  for (let i = 0; i < chained.length; i += 1) {
    const row = chained[i];
    const s = stored[i + 1];
    if (row === undefined || s === undefined || s.seq !== row.seq || s.hash !== row.hash) return false;
  }
  return true;
}

/**
 * Moves the head forward to `row`, only from a chain that verifies: the rows from the current head
 * up to `row` must continue the chain the head signed. A head that does not verify, or a log whose
 * rows at the head's position changed (rows cut off and new ones written in their place), keeps the
 * head where it is as evidence for `audit verify`. Runs inside a write transaction (the database's
 * write lock), so two processes never interleave head updates and the head never moves back.
 * `chained` are the rows the caller's transaction just appended, ending at `row`: trusted only when
 * they start at the head.
 */
export async function advanceHeadWithin(
  tx: WriteConn,
  deps: Readonly<{ store: HeadStore; key: HeadKey }>,
  row: AuditRow,
  chained: readonly AuditRow[],
): Promise<void> {
  const { store, key } = deps;
  let current: SignedHead | null;
  try {
    current = await store.head(tx, key.publicKeyPem);
  } catch {
    return;
  }
  if (current !== null && current.seq >= row.seq) return;
  const known = chained.at(-1)?.seq === row.seq && (await chainedFromHead(tx, current, chained));
  if (!known && !(await chainContinues(tx, current, row.seq))) return;
  await store.append(tx, signHead(key, row));
}

/**
 * The head writer of a store whose head is written after commit (the files): its own write
 * transaction, so the head is still decided under the write lock.
 */
export function createHeadWriter(
  deps: Readonly<{ paths: DataPaths; db: Database; key: HeadKey; store?: HeadStore }>,
): (row: AuditRow, chained?: readonly AuditRow[]) => Promise<void> {
  const { paths, db, key } = deps;
  const store = deps.store ?? fileHeadStore(paths);
  return async (row, chained = []) => {
    try {
      await db.write((tx) => advanceHeadWithin(tx, { store, key }, row, chained));
    } catch (error) {
      // On a full disk the committed rows stand and the head stays at an older, still valid position;
      // the next write that finds space moves it forward over them.
      if (!isDiskFull(error, paths.root)) throw error;
    }
  };
}
