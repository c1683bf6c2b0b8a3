import { performance } from 'node:perf_hooks';
import { errorMessage } from '@shared/errors/app-error';
import { registerBlob } from '../db/repositories/blobs-repo';
import { capturesWithPendingTimestamp, insertTimestamp } from '../db/repositories/captures-repo';
import { insertTimestampQuery } from '../db/repositories/time-stamps-repo';
import type { ConfiguredTsa } from '../settings/tsa-settings';
import type { Workspace } from '../workspace';
import { requestTimestamp, timestampResponseFromToken } from './tsa-client';

export type RetryResult = Readonly<{ granted: number; pending: number; errors: string[] }>;

export type RetryOptions = Readonly<{
  /** Per request. */
  timeoutMs: number;
  /** A budget for the whole retry: no request starts, or lasts, beyond it (the CLI's start-up retry). */
  budgetMs?: number;
  /** Monotonic milliseconds for the budget; not recorded anywhere. */
  now?: () => number;
  /** Only this capture (a worker's capture stamped as soon as the server records it). */
  captureId?: string;
}>;

/** Below this a request is not worth starting: the TSA could not answer in time anyway. */
const MIN_REQUEST_MS = 100;

/**
 * Asks the TSA for a token for every capture still `pending`, oldest first. A granted token is a
 * new `capture_timestamps` row (never an edit), its TimeStampReq is kept beside it, and the grant is a
 * custody event. The first failure of the TSA ends the round: the rest would fail the same way, and
 * the caller's backoff decides when to try again.
 */
export async function retryPendingTimestamps(
  ws: Workspace,
  tsa: ConfiguredTsa,
  actor: string,
  opts: RetryOptions,
): Promise<RetryResult> {
  const now = opts.now ?? (() => performance.now());
  const deadline = opts.budgetMs === undefined ? Infinity : now() + opts.budgetMs;
  const pending = (await ws.db.read((c) => capturesWithPendingTimestamp(c))).filter(
    (c) => opts.captureId === undefined || c.id === opts.captureId,
  );
  let granted = 0;
  const errors: string[] = [];
  for (const capture of pending) {
    const timeoutMs = Math.min(opts.timeoutMs, deadline - now());
    if (timeoutMs < MIN_REQUEST_MS) break;
    let grant;
    try {
      grant = await requestTimestamp({
        url: tsa.url,
        sha256: Buffer.from(capture.manifestSha256, 'hex'),
        timeoutMs,
        trustedCertsPem: tsa.trustedCertsPem,
        policyOid: tsa.policyOid,
      });
    } catch (error) {
      errors.push(`${capture.id}: ${errorMessage(error)}`);
      break;
    }
    // Stored as a whole TimeStampResp so `openssl ts -verify -in manifest.tsr -data manifest.json` reads it as is.
    const token = await ws.blobs.put(timestampResponseFromToken(grant.token));
    const query = await ws.blobs.put(grant.query);
    await ws.record(async (tx, audit) => {
      const at = ws.clock().toISOString();
      await registerBlob(tx, token, at);
      await registerBlob(tx, query, at);
      await insertTimestamp(
        tx,
        capture.id,
        { status: 'granted', tsa: tsa.url, genTime: grant.genTime, tokenSha256: token.sha256 },
        at,
      );
      await insertTimestampQuery(tx, token.sha256, query.sha256, at);
      await audit({
        actor,
        action: 'capture.timestamped',
        subject: `capture:${capture.id}`,
        details: {
          tsa: tsa.url,
          genTime: grant.genTime,
          serialHex: grant.serialHex,
          policy: grant.policy,
          tokenSha256: token.sha256,
          querySha256: query.sha256,
        },
      });
    });
    granted += 1;
  }
  return { granted, pending: pending.length - granted, errors };
}
