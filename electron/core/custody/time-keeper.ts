import type { TimestampStatus } from '@shared/contract/methods/custody';
import { tsaStatusOf } from '@shared/domain/time-stamping';
import { latestHeadTimestamp, pendingTimestampSummary } from '../db/repositories/time-stamps-repo';
import type { SettingsService } from '../settings/settings-service';
import { configuredTsa } from '../settings/tsa-settings';
import type { Workspace } from '../workspace';
import { stampAuditHead, type HeadStampResult } from './head-timestamps';
import { retryPendingTimestamps, type RetryResult } from './timestamp-retry';

/** Timers are injected so tests drive the schedule without waiting; the default is the Node timers. */
export type Timers = Readonly<{
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}>;

export type TimeKeeperOptions = Readonly<{
  timers?: Timers;
  /** First delay after a failure; doubled after each further failure, up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The interval of a round when nothing failed (pending captures are looked for again, the head's age checked). */
  idleDelayMs?: number;
  /** A head token older than this (by the workspace clock) is renewed: "at least once a day". */
  headMaxAgeMs?: number;
  requestTimeoutMs?: number;
}>;

export type RoundResult = Readonly<{
  captures: RetryResult | null;
  head: HeadStampResult | null;
  failed: boolean;
}>;

export type TimeKeeper = Readonly<{
  /** One round: retry pending captures, renew the head token when it is older than a day. */
  round: () => Promise<RoundResult>;
  /** Runs rounds on the timers with exponential backoff after failures, until stop(). */
  start: () => void;
  /** Cancels the next round and waits for a round in progress to finish. */
  stop: () => Promise<void>;
  /** The CLI's start-up retry: pending captures only, never longer than budgetMs in all. */
  startupRetry: (budgetMs: number) => Promise<RetryResult | null>;
  /** Time-stamps the head of the log now (at every export); null when no TSA is configured. */
  stampHead: (reason: 'export' | 'manual', actor: string) => Promise<HeadStampResult | null>;
  status: () => Promise<TimestampStatus>;
}>;

const DAY_MS = 24 * 60 * 60 * 1000;
const ACTOR = 'system';

const NODE_TIMERS: Timers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // The schedule must never keep a finished CLI command or a closing app alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The delay before the next round: exponential after consecutive failures, capped; idle otherwise. */
export function nextDelay(
  failures: number,
  o: Required<Pick<TimeKeeperOptions, 'baseDelayMs' | 'maxDelayMs' | 'idleDelayMs'>>,
): number {
  if (failures === 0) return o.idleDelayMs;
  return Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.min(failures - 1, 30));
}

/**
 * Keeps time-stamps flowing without anyone running a command (issue 12): while the app or `vigil
 * serve` runs, pending capture tokens are retried with backoff and the custody log's head is
 * time-stamped at least daily; each CLI command that opens the data dir retries pending captures once,
 * bounded so that a TSA that is down delays it by at most the budget.
 */
export function createTimeKeeper(
  ws: Workspace,
  settings: SettingsService,
  opts: TimeKeeperOptions = {},
): TimeKeeper {
  const timers = opts.timers ?? NODE_TIMERS;
  const delays = {
    baseDelayMs: opts.baseDelayMs ?? 30_000,
    maxDelayMs: opts.maxDelayMs ?? 60 * 60 * 1000,
    idleDelayMs: opts.idleDelayMs ?? 15 * 60 * 1000,
  };
  const headMaxAgeMs = opts.headMaxAgeMs ?? DAY_MS;
  const timeoutMs = opts.requestTimeoutMs ?? 15_000;
  let failures = 0;
  let handle: unknown = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;

  const headIsStale = async (): Promise<boolean> => {
    const latest = await ws.db.read((c) => latestHeadTimestamp(c));
    return latest === null || ws.clock().getTime() - Date.parse(latest.at) >= headMaxAgeMs;
  };

  const round = async (): Promise<RoundResult> => {
    const tsa = configuredTsa(await settings.get());
    if (tsa === null) return { captures: null, head: null, failed: false };
    const captures = await retryPendingTimestamps(ws, tsa, ACTOR, { timeoutMs });
    const head = (await headIsStale()) ? await stampAuditHead(ws, tsa, 'daily', ACTOR, timeoutMs) : null;
    return { captures, head, failed: captures.errors.length > 0 || head?.status === 'failed' };
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    handle = timers.setTimeout(() => {
      handle = null;
      const current = round().then(
        (r) => {
          failures = r.failed ? failures + 1 : 0;
        },
        () => {
          // A round that throws (a full disk, a database being closed) counts as a failure: the
          // schedule backs off and goes on; the pending count on the dashboard shows what is left.
          failures += 1;
        },
      );
      running = current;
      void current.finally(() => {
        if (running === current) running = null;
        schedule(nextDelay(failures, delays));
      });
    }, delayMs);
  };

  return {
    round,
    start() {
      if (!stopped) return;
      stopped = false;
      failures = 0;
      // The first round runs at once: whatever waited while Vigil was closed is retried first.
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
      if (running !== null) await running.catch(() => undefined);
    },
    async startupRetry(budgetMs) {
      const tsa = configuredTsa(await settings.get());
      if (tsa === null) return null;
      return retryPendingTimestamps(ws, tsa, ACTOR, { timeoutMs: Math.min(timeoutMs, budgetMs), budgetMs });
    },
    async stampHead(reason, actor) {
      const tsa = configuredTsa(await settings.get());
      if (tsa === null) return null;
      return stampAuditHead(ws, tsa, reason, actor, timeoutMs);
    },
    async status() {
      const s = await settings.get();
      const [pending, head] = await ws.db.read(
        async (c) => [await pendingTimestampSummary(c), await latestHeadTimestamp(c)] as const,
      );
      return {
        tsa: { status: tsaStatusOf(s), url: s.tsaUrl, qualified: s.tsaQualified, policyOid: s.tsaPolicyOid },
        pending,
        head: head === null ? null : { seq: head.headSeq, genTime: head.genTime, tsa: head.tsa },
      };
    },
  };
}
