import { REMOVAL_BUCKETS } from '@shared/domain/stats';
import type { RemovalBucket, StatsReport } from '@shared/domain/stats';
import type { StageTimes, StatsReferral } from '../db/repositories/stats-repo';
import { summariseDurations } from './percentiles';

/**
 * The statistics of a period from the repository's rows, pure. A resource counts once per stage
 * (its first capture, first decision, first notice, first removal); a referral's removal is timed
 * from its own first notice. Removed counts `removed` and `partially_removed` alike.
 */

const ms = (iso: string): number => Date.parse(iso);
const secondsBetween = (a: string, b: string): number => Math.max(0, (ms(b) - ms(a)) / 1000);

/** The Monday (UTC) of the week `iso` falls in, as YYYY-MM-DD. */
export function weekOf(iso: string): string {
  const d = new Date(ms(iso));
  const day = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day))
    .toISOString()
    .slice(0, 10);
}

export function removalBucket(seconds: number): RemovalBucket {
  const h = seconds / 3600;
  if (h < 1) return 'under_1h';
  if (h < 24) return 'under_24h';
  if (h < 72) return 'under_3d';
  if (h < 168) return 'under_7d';
  return 'over_7d';
}

type Tally = { referred: number; removed: number; refused: number };

/** The category names of a stored list: its string elements; nothing when it is not a JSON array. */
export function categoriesOf(json: string): string[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

const bump = <K>(m: Map<K, number>, k: K, by = 1): void => {
  m.set(k, (m.get(k) ?? 0) + by);
};

export function computeStats(
  period: Readonly<{ from: string; to: string }>,
  stages: readonly StageTimes[],
  referrals: readonly StatsReferral[],
): StatsReport {
  const byResource = new Map<string, StatsReferral[]>();
  const refusals = new Map<string, number>();
  for (const f of referrals) {
    if (f.refusalReason !== null) bump(refusals, f.refusalReason);
    const list = byResource.get(f.resourceId) ?? [];
    list.push(f);
    byResource.set(f.resourceId, list);
  }

  const counts = { reported: 0, captured: 0, reviewed: 0, approved: 0, referred: 0, removed: 0 };
  const d = {
    reportToCapture: [] as number[],
    captureToDecision: [] as number[],
    decisionToNotice: [] as number[],
  };
  const categories = new Map<string, { reported: number; removed: number }>();
  const weeks = new Map<string, { reported: number; referred: number; removed: number }>();
  // Many rows share a day: the week of each day is worked out once.
  const weekOfDay = new Map<string, string>();
  const week = (iso: string) => {
    const day = iso.slice(0, 10);
    let k = weekOfDay.get(day);
    if (k === undefined) {
      k = weekOf(iso);
      weekOfDay.set(day, k);
    }
    const w = weeks.get(k) ?? { reported: 0, referred: 0, removed: 0 };
    weeks.set(k, w);
    return w;
  };

  for (const s of stages) {
    counts.reported += 1;
    week(s.reportedAt).reported += 1;
    if (s.capturedAt !== null) {
      counts.captured += 1;
      d.reportToCapture.push(secondsBetween(s.reportedAt, s.capturedAt));
    }
    if (s.decidedAt !== null) {
      counts.reviewed += 1;
      if (s.capturedAt !== null) d.captureToDecision.push(secondsBetween(s.capturedAt, s.decidedAt));
    }
    if (s.lastDecision === 'approve') counts.approved += 1;
    const mine = byResource.get(s.resourceId) ?? [];
    const sent = mine
      .map((f) => f.sentAt)
      .filter((x): x is string => x !== null)
      .sort()[0];
    const removed = mine
      .map((f) => f.removedAt)
      .filter((x): x is string => x !== null)
      .sort()[0];
    if (sent !== undefined) {
      counts.referred += 1;
      week(sent).referred += 1;
      if (s.approvedAt !== null) d.decisionToNotice.push(secondsBetween(s.approvedAt, sent));
    }
    if (removed !== undefined) {
      counts.removed += 1;
      week(removed).removed += 1;
    }
    for (const c of categoriesOf(s.categories)) {
      const t = categories.get(c) ?? { reported: 0, removed: 0 };
      t.reported += 1;
      if (removed !== undefined) t.removed += 1;
      categories.set(c, t);
    }
  }

  const noticeToRemoval: number[] = [];
  const buckets = new Map<RemovalBucket, number>();
  const byRecipient = new Map<string, Tally>();
  const byKind = new Map<string, Tally>();
  const byRegime = new Map<string, Tally>();
  let removedReferrals = 0;
  let reappeared = 0;
  for (const f of referrals) {
    if (f.sentAt === null) continue;
    for (const [m, k] of [
      [byRecipient, f.recipientName],
      [byKind, f.recipientKind],
      [byRegime, f.regimeId],
    ] as const) {
      const t = m.get(k) ?? { referred: 0, removed: 0, refused: 0 };
      t.referred += 1;
      if (f.removedAt !== null) t.removed += 1;
      if (f.refusalReason !== null) t.refused += 1;
      m.set(k, t);
    }
    if (f.removedAt !== null) {
      removedReferrals += 1;
      if (f.reappeared > 0) reappeared += 1;
      const s = secondsBetween(f.sentAt, f.removedAt);
      noticeToRemoval.push(s);
      bump(buckets, removalBucket(s));
    }
  }

  const tallies = (m: Map<string, Tally>) =>
    [...m]
      .map(([key, t]) => ({ key, ...t }))
      .sort((a, b) => b.referred - a.referred || a.key.localeCompare(b.key));
  return {
    from: period.from,
    to: period.to,
    counts,
    removalRate: counts.referred === 0 ? null : counts.removed / counts.referred,
    reappearanceRate: removedReferrals === 0 ? null : reappeared / removedReferrals,
    durations: {
      reportToCapture: summariseDurations(d.reportToCapture),
      captureToDecision: summariseDurations(d.captureToDecision),
      decisionToNotice: summariseDurations(d.decisionToNotice),
      noticeToRemoval: summariseDurations(noticeToRemoval),
    },
    byCategory: [...categories]
      .map(([key, t]) => ({ key, ...t }))
      .sort((a, b) => b.reported - a.reported || a.key.localeCompare(b.key)),
    byRecipient: tallies(byRecipient),
    byRecipientKind: tallies(byKind),
    byRegime: tallies(byRegime),
    refusalReasons: [...refusals]
      .map(([key, count]) => ({ key, count }))
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key)),
    perWeek: [...weeks].sort(([a], [b]) => a.localeCompare(b)).map(([w, t]) => ({ week: w, ...t })),
    removalDistribution: REMOVAL_BUCKETS.map((bucket) => ({ bucket, count: buckets.get(bucket) ?? 0 })),
  };
}
