import type { AuditVerifyResult, HeadTimestampCheck } from '@shared/contract/methods/custody';
import { errorMessage, isAppError, type ErrorCode } from '@shared/errors/app-error';
import type { ReadConn } from '../db/database';
import { registerBlob } from '../db/repositories/blobs-repo';
import {
  insertHeadTimestamp,
  listHeadTimestamps,
  type HeadTimestampReason,
  type StoredHeadTimestamp,
} from '../db/repositories/time-stamps-repo';
import type { SettingsService } from '../settings/settings-service';
import { configuredTsa, type ConfiguredTsa } from '../settings/tsa-settings';
import type { Workspace } from '../workspace';
import { auditHashAt, currentAuditHead, type AuditAnchor } from './audit-log';
import { canonicalJson } from './canonical-json';
import { sha256Hex } from './signing';
import { requestTimestamp, timestampResponseFromToken, verifyTimestampToken } from './tsa-client';
import { recheckQuery } from './tsa-query-check';

/**
 * RFC 3161 tokens over the head of the custody log (issue 12, DESIGN §5). The workstation's own
 * signature on the head proves nothing against whoever holds the workstation key; a token from an
 * independent authority proves that the log held rows 1…N with this head hash no later than the
 * token's genTime, so rows cannot be rewritten after that time without the token failing.
 *
 * What the token covers is the canonical JSON of a small statement (kept as a blob, and in bundles
 * as `custody/heads/<seq>.json`), so `openssl ts -verify -data <seq>.json -in <seq>.tsr` checks it.
 */

export const HEAD_STATEMENT_FORMAT = 'vigil-audit-head/1';

export const headStatement = (head: AuditAnchor, workstationKeyId: string): Buffer =>
  Buffer.from(
    canonicalJson({
      format: HEAD_STATEMENT_FORMAT,
      seq: head.seq,
      hash: head.hash,
      workstation: workstationKeyId,
    }),
    'utf8',
  );

export type HeadStampResult =
  | Readonly<{ status: 'granted'; stamp: Omit<StoredHeadTimestamp, 'id'> }>
  | Readonly<{ status: 'failed'; code: ErrorCode; error: string }>
  | Readonly<{ status: 'empty' }>;

/** Time-stamps the current head; a TSA that fails leaves nothing behind but the returned error. */
export async function stampAuditHead(
  ws: Workspace,
  tsa: ConfiguredTsa,
  reason: HeadTimestampReason,
  actor: string,
  timeoutMs = 15_000,
): Promise<HeadStampResult> {
  const head = await ws.db.read((c) => currentAuditHead(c));
  if (head === null) return { status: 'empty' };
  const statement = headStatement(head, ws.workstation.keyId);
  let grant;
  try {
    grant = await requestTimestamp({
      url: tsa.url,
      sha256: Buffer.from(sha256Hex(statement), 'hex'),
      timeoutMs,
      trustedCertsPem: tsa.trustedCertsPem,
      policyOid: tsa.policyOid,
    });
  } catch (error) {
    return {
      status: 'failed',
      code: isAppError(error) ? error.code : 'tsa.unreachable',
      error: errorMessage(error),
    };
  }
  const blobs = [
    await ws.blobs.put(statement),
    await ws.blobs.put(timestampResponseFromToken(grant.token)),
    await ws.blobs.put(grant.query),
  ] as const;
  const at = ws.clock().toISOString();
  const stamp = {
    at,
    headSeq: head.seq,
    headHash: head.hash,
    reason,
    tsa: tsa.url,
    genTime: grant.genTime,
    serialHex: grant.serialHex,
    policy: grant.policy,
    tsaName: grant.tsaName,
    statementSha256: blobs[0].sha256,
    tokenSha256: blobs[1].sha256,
    querySha256: blobs[2].sha256,
  };
  await ws.record(async (tx, audit) => {
    for (const b of blobs) await registerBlob(tx, b, at);
    await insertHeadTimestamp(tx, stamp);
    await audit({
      actor,
      action: 'audit.head-timestamped',
      subject: 'audit',
      details: {
        seq: head.seq,
        hash: head.hash,
        reason,
        tsa: tsa.url,
        genTime: grant.genTime,
        serialHex: grant.serialHex,
        tokenSha256: stamp.tokenSha256,
        querySha256: stamp.querySha256,
      },
    });
  });
  return { status: 'granted', stamp };
}

/**
 * At every export (issue 12). A TSA that does not answer does not stop the export here: the bundle
 * then carries the earlier head tokens, and the export's own SHA256SUMS time-stamp reports the TSA.
 */
export async function stampHeadForExport(
  ws: Workspace,
  settings: SettingsService,
  actor: string,
): Promise<HeadStampResult | null> {
  const tsa = configuredTsa(await settings.get());
  return tsa === null ? null : stampAuditHead(ws, tsa, 'export', actor);
}

/** The checks of one kept head token, given its three files' bytes and the row hash the log holds. */
export function checkHeadToken(
  stamp: Readonly<{ headSeq: number; headHash: string }>,
  files: Readonly<{ statement: Buffer; token: Buffer; query: Buffer | null }>,
  rowHash: string | null,
  trust: Readonly<{ trustedCertsPem?: readonly string[] | undefined; policyOid?: string | null }>,
):
  | Readonly<{ ok: true; genTime: string; tsaName: string | null; serialHex: string }>
  | Readonly<{ ok: false; problem: string }> {
  try {
    const parsed = JSON.parse(files.statement.toString('utf8')) as { seq?: unknown; hash?: unknown };
    if (parsed.seq !== stamp.headSeq || parsed.hash !== stamp.headHash)
      return { ok: false, problem: `the statement does not name row ${stamp.headSeq} and its hash` };
    if (rowHash === null) return { ok: false, problem: `row ${stamp.headSeq} is not in the log` };
    if (rowHash !== stamp.headHash)
      return { ok: false, problem: `row ${stamp.headSeq} differs from the row that was time-stamped` };
    const sha = Buffer.from(sha256Hex(files.statement), 'hex');
    const info = verifyTimestampToken(files.token, sha, trust.trustedCertsPem, trust.policyOid);
    if (files.query === null) return { ok: false, problem: 'the time-stamp query (.tsq) is missing' };
    recheckQuery(files.query, files.token, sha);
    return { ok: true, genTime: info.genTime, tsaName: info.tsaName, serialHex: info.serialHex };
  } catch (error) {
    return { ok: false, problem: errorMessage(error) };
  }
}

/** Up to which row the log is anchored (the highest row a verifying token vouches for) and when. */
export type HeadTimestampReport = NonNullable<AuditVerifyResult['timestamps']>;

/** Every kept head token against the log as it is now (`vigil audit verify`). */
export async function verifyHeadTimestamps(
  conn: ReadConn,
  read: (sha256: string) => Promise<Buffer>,
  trust: Readonly<{ trustedCertsPem?: readonly string[] | undefined; policyOid?: string | null }>,
): Promise<HeadTimestampReport> {
  const stamps = await listHeadTimestamps(conn);
  const checks: HeadTimestampCheck[] = [];
  let anchoredSeq: number | null = null;
  let anchoredAt: string | null = null;
  for (const stamp of stamps) {
    let verdict: ReturnType<typeof checkHeadToken>;
    try {
      const files = {
        statement: await read(stamp.statementSha256),
        token: await read(stamp.tokenSha256),
        query: await read(stamp.querySha256),
      };
      verdict = checkHeadToken(stamp, files, await auditHashAt(conn, stamp.headSeq), trust);
    } catch (error) {
      verdict = { ok: false, problem: `a kept file is unreadable: ${errorMessage(error)}` };
    }
    checks.push({
      seq: stamp.headSeq,
      genTime: stamp.genTime,
      tsa: stamp.tsa,
      serialHex: stamp.serialHex,
      ok: verdict.ok,
      problem: verdict.ok ? null : verdict.problem,
    });
    if (verdict.ok && (anchoredSeq === null || stamp.headSeq > anchoredSeq)) {
      anchoredSeq = stamp.headSeq;
      anchoredAt = verdict.genTime;
    }
  }
  return { ok: checks.every((c) => c.ok), anchoredSeq, anchoredAt, checks };
}

/** The kept head tokens, checked against the configured TSA root and policy when there is one. */
export async function verifyHeadsAsConfigured(
  deps: Readonly<{ ws: Workspace; settings: SettingsService }>,
): Promise<HeadTimestampReport> {
  const tsa = configuredTsa(await deps.settings.get());
  return deps.ws.db.read((c) =>
    verifyHeadTimestamps(c, deps.ws.blobs.read, {
      trustedCertsPem: tsa?.trustedCertsPem,
      policyOid: tsa?.policyOid ?? null,
    }),
  );
}
