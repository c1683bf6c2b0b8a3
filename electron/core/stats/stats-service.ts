import type { StatsReport } from '@shared/domain/stats';
import { IsoDate } from '@shared/domain/ids';
import { AppError } from '@shared/errors/app-error';
import type { Database } from '../db/database';
import { periodAggregates } from '../db/repositories/stats-period-repo';
import {
  noticesSentBetween,
  referralsSentBetween,
  stageTimes,
  statsReferrals,
} from '../db/repositories/stats-repo';
import { computeStats } from './compute-stats';
import { reportFromAggregates } from './report-from-aggregates';
import { dsaTrustedFlaggerReport, lumenNoticeRecords } from './regime-exports';
import type { DsaTrustedFlaggerReport, LumenNoticeRecord } from './regime-exports';

/** `from` and `to` are calendar days (UTC), both included: the half-open ISO range they cover. */
function periodOf(from: string, to: string): { start: string; end: string } {
  for (const [name, v] of [
    ['--from', from],
    ['--to', to],
  ] as const)
    if (!IsoDate.safeParse(v).success)
      throw new AppError('input.invalid', `${name} is not a YYYY-MM-DD date: ${v}`);
  if (to < from) throw new AppError('input.invalid', `--to ${to} is before --from ${from}`);
  const start = `${from}T00:00:00.000Z`;
  const end = new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000).toISOString();
  return { start, end };
}

/** The period's statistics, aggregated in the database: only the figures leave it. */
export async function unitStats(db: Database, from: string, to: string): Promise<StatsReport> {
  const { start, end } = periodOf(from, to);
  return reportFromAggregates({ from, to }, await db.read((c) => periodAggregates(c, start, end)));
}

/**
 * The same statistics computed in Node from one row per resource and per referral: the reference
 * the SQL aggregation is tested against (slow on a large record; not used by the commands).
 */
export async function unitStatsReference(db: Database, from: string, to: string): Promise<StatsReport> {
  const { start, end } = periodOf(from, to);
  const [stages, referrals] = await db.read(
    async (c) => [await stageTimes(c, start, end), await statsReferrals(c, start, end)] as const,
  );
  return computeStats({ from, to }, stages, referrals);
}

/** The DSA trusted-flagger report for the referrals sent in the period (counts only). */
export async function dsaReport(db: Database, from: string, to: string): Promise<DsaTrustedFlaggerReport> {
  const { start, end } = periodOf(from, to);
  return dsaTrustedFlaggerReport({ from, to }, await db.read((c) => referralsSentBetween(c, start, end)));
}

/** Lumen-style records of the notices sent in the period. */
export async function lumenRecords(db: Database, from: string, to: string): Promise<LumenNoticeRecord[]> {
  const { start, end } = periodOf(from, to);
  return lumenNoticeRecords(await db.read((c) => noticesSentBetween(c, start, end)));
}
