import { REMOVAL_BUCKETS } from '@shared/domain/stats';
import type { StatsReport } from '@shared/domain/stats';
import type { PeriodAggregates, QuantileRow, TallyRow } from '../db/repositories/stats-period-repo';
import { categoriesOf, weekOf } from './compute-stats';
import type { DurationSummary } from './percentiles';

/**
 * The period's report from the figures the database aggregated (`periodAggregates`), pure. It must equal
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

/** Resources and removals per category, from the figures per stored category list (as `computeStats`). */
function categoryTotals(a: PeriodAggregates): StatsReport['byCategory'] {
  const totals = new Map<string, { reported: number; removed: number }>();
  for (const list of a.categoryLists)
    for (const key of categoriesOf(list.categories)) {
      const t = totals.get(key) ?? { reported: 0, removed: 0 };
      t.reported += list.reported;
      t.removed += list.removed;
      totals.set(key, t);
    }
  return [...totals]
    .map(([key, t]) => ({ key, ...t }))
    .sort((x, y) => y.reported - x.reported || x.key.localeCompare(y.key));
}

/** The per-day figures summed per week (Monday, UTC), oldest first. */
function weekTotals(a: PeriodAggregates): StatsReport['perWeek'] {
  const weeks = new Map<string, { reported: number; referred: number; removed: number }>();
  for (const d of a.days) {
    const key = weekOf(`${d.day}T00:00:00.000Z`);
    const w = weeks.get(key) ?? { reported: 0, referred: 0, removed: 0 };
    w.reported += d.reported;
    w.referred += d.referred;
    w.removed += d.removed;
    weeks.set(key, w);
  }
  return [...weeks].sort(([x], [y]) => x.localeCompare(y)).map(([week, w]) => ({ week, ...w }));
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
    byCategory: categoryTotals(a),
    byRecipient: tallies(a.tallies, 'recipient'),
    byRecipientKind: tallies(a.tallies, 'kind'),
    byRegime: tallies(a.tallies, 'regime'),
    refusalReasons: a.refusals
      .map((r) => ({ key: r.key, count: r.count }))
      .sort((x, y) => y.count - x.count || x.key.localeCompare(y.key)),
    perWeek: weekTotals(a),
    removalDistribution: REMOVAL_BUCKETS.map((bucket) => ({ bucket, count: buckets.get(bucket) ?? 0 })),
  };
}
