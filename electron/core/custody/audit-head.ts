import { existsSync } from 'node:fs';
import { appendFile, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { AuditRow, AuditVerifyResult } from '@shared/contract/methods/custody';
import { AppError } from '@shared/errors/app-error';
import type { Database, ReadConn } from '../db/database';
import type { DataPaths } from '../data-dir';
import { isDiskFull } from '../store/store-errors';
import { auditHashesBetween } from '../db/repositories/audit-repo';
import { chainContinues, verifyAudit, type AuditAnchor } from './audit-log';
import { canonicalJson } from './canonical-json';
import { signEs256, verifyEs256 } from './signing';

/**
 * The signed head of the custody log (`logs/audit-head.json`) and its history
 * (`logs/audit-heads.jsonl`, one signed head per line, only ever appended). The head catches rows
 * cut off the end of the log, which a hash chain alone cannot show; the history keeps that proof
 * after new rows have passed the old position, and after an older head file is put back.
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

const headVerifies = (publicKeyPem: string, head: SignedHead): boolean => {
  const { signature, keyId: _keyId, ...signed } = head;
  return verifyEs256(publicKeyPem, canonicalJson(signed), Buffer.from(signature, 'base64'));
};

/** The current head, or null when there is none yet (only while a data dir is being initialised). */
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

/** Every head the history holds; a line that does not parse or verify is reported, never skipped. */
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
  const head = await readHead(deps.paths, deps.publicKeyPem);
  const history = await readHeadHistory(deps.paths, deps.publicKeyPem);
  const anchors: AuditAnchor[] = [
    ...history.heads,
    ...(head === null ? [] : [{ seq: head.seq, hash: head.hash }]),
  ];
  const result = await deps.db.read((c: ReadConn) => verifyAudit(c, anchors));
  if (!result.ok || history.problem === null) return result;
  return { ...result, ok: false, firstBadSeq: null, problem: history.problem };
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
 * head where it is as evidence for `audit verify`. Runs under SQLite's write lock, so two processes
 * never interleave head updates and the head never moves back. `chained` (optional) are the rows the
 * caller's transaction just appended, ending at `row`: trusted only when they start at the head.
 */
export function createHeadWriter(
  deps: Readonly<{ paths: DataPaths; db: Database; key: HeadKey }>,
): (row: AuditRow, chained?: readonly AuditRow[]) => Promise<void> {
  const { paths, db, key } = deps;
  const advance = async (row: AuditRow, chained: readonly AuditRow[]): Promise<void> => {
    await db.write(async (tx) => {
      let current: SignedHead | null;
      try {
        current = await readHead(paths, key.publicKeyPem);
      } catch {
        return;
      }
      if (current !== null && current.seq >= row.seq) return;
      const known = chained.at(-1)?.seq === row.seq && (await chainedFromHead(tx, current, chained));
      if (!known && !(await chainContinues(tx, current, row.seq))) return;
      const body = `${JSON.stringify(signHead(key, row))}\n`;
      // History first: a head is never newer than the newest head in the history.
      await appendFile(paths.auditHeadHistory, body, { mode: 0o644 });
      const tmp = `${paths.auditHead}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, `${JSON.stringify(JSON.parse(body), null, 2)}\n`, { mode: 0o644 });
        await rename(tmp, paths.auditHead);
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
    });
  };
  return async (row, chained = []) => {
    try {
      await advance(row, chained);
    } catch (error) {
      // On a full disk the committed rows stand and the head stays at an older, still valid position;
      // the next write that finds space moves it forward over them.
      if (!isDiskFull(error, paths.root)) throw error;
    }
  };
}
