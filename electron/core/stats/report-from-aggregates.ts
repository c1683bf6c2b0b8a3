import { REMOVAL_BUCKETS } from '@shared/domain/stats';
import type { StatsReport } from '@shared/domain/stats';
import type { PeriodAggregates, QuantileRow, TallyRow } from '../db/repositories/stats-repo';
import type { DurationSummary } from './percentiles';

/**
 * The period's report from the figures SQLite aggregated (`periodAggregates`), pure. It must equal
 * `computeStats` over the same records field for field: quantiles interpolate between the two order
 * statistics exactly as `quantile` does, and every list is sorted here with the same comparators
 * (the database's binary order is not `localeCompare`).
 */

type Metric = QuantileRow['metric'];

/** `quantile`'s interpolation from the two ranks around `(n - 1) * q`, in seconds. */
function interpolate(n: number, q: number, loMs: number | null, hiMs: number | null): number | null {
  if (n === 0 || loMs === null) return null;
  const pos = (n - 1) * q;
  const a = loMs / 1000;
  const b = hiMs === null ? a : hiMs / 1000;
  return Math.round(a + (b - a) * (pos - Math.floor(pos)));
}

function summary(rows: readonly QuantileRow[], metric: Metric): DurationSummary {
  const r = rows.find((x) => x.metric === metric);
  if (r === undefined || r.n === 0) return { count: 0, medianSeconds: null, p90Seconds: null };
  return {
    count: r.n,
    medianSeconds: interpolate(r.n, 0.5, r.medianLo, r.medianHi),
    p90Seconds: interpolate(r.n, 0.9, r.p90Lo, r.p90Hi),
  };
}

function tallies(rows: readonly TallyRow[], dim: TallyRow['dim']): StatsReport['byRecipient'] {
  return rows
    .filter((t) => t.dim === dim)
    .map((t) => ({ key: t.key, referred: t.referred, removed: t.removed, refused: t.refused }))
    .sort((a, b) => b.referred - a.referred || a.key.localeCompare(b.key));
}

export function reportFromAggregates(
  period: Readonly<{ from: string; to: string }>,
  a: PeriodAggregates,
): StatsReport {
  const counts = { ...a.counts, approved: Math.round(a.counts.approved) };
  const buckets = new Map(a.buckets.map((b) => [b.bucket, b.count]));
  return {
    from: period.from,
    to: period.to,
    counts,
    removalRate: counts.referred === 0 ? null : counts.removed / counts.referred,
    reappearanceRate:
      a.removedReferrals === 0 ? null : Math.round(a.reappearedReferrals) / a.removedReferrals,
    durations: {
      reportToCapture: summary(a.quantiles, 'reportToCapture'),
      captureToDecision: summary(a.quantiles, 'captureToDecision'),
      decisionToNotice: summary(a.quantiles, 'decisionToNotice'),
      noticeToRemoval: summary(a.quantiles, 'noticeToRemoval'),
    },
    byCategory: a.categories
      .map((c) => ({ key: c.key, reported: c.reported, removed: c.removed }))
      .sort((x, y) => y.reported - x.reported || x.key.localeCompare(y.key)),
    byRecipient: tallies(a.tallies, 'recipient'),
    byRecipientKind: tallies(a.tallies, 'kind'),
    byRegime: tallies(a.tallies, 'regime'),
    refusalReasons: a.refusals
      .map((r) => ({ key: r.key, count: r.count }))
      .sort((x, y) => y.count - x.count || x.key.localeCompare(y.key)),
    perWeek: a.weeks
      .map((w) => ({ week: w.week, reported: w.reported, referred: w.referred, removed: w.removed }))
      .sort((x, y) => x.week.localeCompare(y.week)),
    removalDistribution: REMOVAL_BUCKETS.map((bucket) => ({ bucket, count: buckets.get(bucket) ?? 0 })),
  };
}
