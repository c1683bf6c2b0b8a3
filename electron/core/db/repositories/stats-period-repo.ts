import type { ReadConn } from '../database';
import type { Dialect } from '../dialect';

/**
 * The statistics of the resources created in [from, to), aggregated in the database: only figures
 * leave it, never a row per resource. Everything comes from the summaries of migration 0250, one row
 * per resource and one per referral kept by triggers, each read once over one range of its covering
 * index: no grouping per resource, no join but the 20-odd recipients. Quantiles come back as the two order statistics around each rank
 * (`lo`, `hi`, integer milliseconds) so that the caller interpolates exactly as the reference does.
 * Lists whose order or folding is display logic (categories, weeks) come back as the raw figures per
 * category list and per day; `report-from-aggregates` folds and sorts them. The per-day figures and
 * the time-to-removal buckets are counted here from integer lists (`vals` rows) the database only
 * concatenates: a GROUP BY over them cost SQLite more than the counting costs Node.
 * The SQL is the one both engines share (FILTER aggregates included); the dialect supplies only the
 * larger-of-two and the text concatenation.
 */
export type QuantileRow = Readonly<{
  metric: 'reportToCapture' | 'captureToDecision' | 'decisionToNotice' | 'noticeToRemoval';
  n: number;
  medianLo: number | null;
  medianHi: number | null;
  p90Lo: number | null;
  p90Hi: number | null;
}>;
export type TallyRow = Readonly<{
  dim: 'recipient' | 'kind' | 'regime';
  key: string;
  referred: number;
  removed: number;
  refused: number;
}>;
export type PeriodAggregates = Readonly<{
  counts: Readonly<{
    reported: number;
    captured: number;
    reviewed: number;
    approved: number;
    referred: number;
    removed: number;
  }>;
  removedReferrals: number;
  reappearedReferrals: number;
  quantiles: readonly QuantileRow[];
  /** Per distinct stored category list (JSON text, possibly malformed): resources and removed ones. */
  categoryLists: readonly Readonly<{ categories: string; reported: number; removed: number }>[];
  tallies: readonly TallyRow[];
  refusals: readonly Readonly<{ key: string; count: number }>[];
  /** Per UTC day (YYYY-MM-DD): first reports, first notices and first removals on that day. */
  days: readonly Readonly<{ day: string; reported: number; referred: number; removed: number }>[];
  buckets: readonly Readonly<{ bucket: string; count: number }>[];
}>;

/** One row of the single answer: a section name, a text key and up to six integer figures. */
type FigureRow = Readonly<{
  section: string;
  k: string | null;
  a: number | null;
  b: number | null;
  c: number | null;
  d: number | null;
  e: number | null;
  f: number | null;
  /** `vals` rows only: the metric's durations or day numbers, comma-separated. */
  vals: string | null;
}>;

/** The UTC day of an integer instant, as days since the epoch (integer division rounds toward zero). */
const DAY_OF = (ms: string): string => `(${ms} - CASE WHEN ${ms} < 0 THEN 86399999 ELSE 0 END) / 86400000`;

/** An aggregate over one milestone's rows only: a FILTER clause (both engines) costs less than a CASE per row. */
const of = (agg: string, milestone: string, extra = ''): string =>
  `${agg} FILTER (WHERE milestone = '${milestone}'${extra})`;
const decided = (agg: string, approve: boolean): string =>
  of(agg, 'decided', ` AND detail ${approve ? '=' : '!='} 'approve'`);

/** Milliseconds from `a` to `b` (both integer instants), never negative: a clock skew is not a delay. */
const msBetween = (d: Dialect, a: string, b: string): string => d.larger('0', `${b} - ${a}`);

/**
 * A column of the group as a single text of integers: sorting and counting them is Node's job (a
 * typed-array sort of 100,000 numbers takes milliseconds, where a window function or a GROUP BY over
 * them in SQLite takes far longer). Durations keep only the order statistics around each rank; days
 * are counted per day.
 */
const valuesOf = (d: Dialect, metric: string, source: string, column = 'v'): string =>
  `SELECT 'vals', '${metric}', count(*), NULL, NULL, NULL, NULL, NULL, ${d.joinedText(column)} FROM ${source}`;

export const periodSql = (d: Dialect): string => `
WITH
-- One row per resource of the period, read from the covering index of its summary (migration 0250).
s AS MATERIALIZED (
  SELECT categories, coalesce(reported_ms, created_ms) AS reported_at, captured_ms AS captured_at,
    decided_ms AS decided_at, approved_ms AS approved_at,
    -- The newest decision counts as it stands now; of two signed at the same instant, not the approval.
    CASE WHEN last_approve_ms > coalesce(last_other_ms, -9007199254740991) THEN 1 ELSE 0 END AS approved_now,
    sent_ms AS sent_at, removed_ms AS removed_at
  FROM resource_stats WHERE period_at >= ? AND period_at < ?),
-- One row per referral of the period's resources, with its recipient, regime and first refusal's reason.
fx AS MATERIALIZED (
  SELECT sent_ms AS sent_at, removed_ms AS removed_at, reappeared, regime_id AS regime, recipient_id,
    refusal_reason AS refusal
  FROM referral_stats WHERE period_at >= ? AND period_at < ?),
removal AS MATERIALIZED (SELECT ${msBetween(d, 'sent_at', 'removed_at')} AS v, reappeared
  FROM fx WHERE sent_at IS NOT NULL AND removed_at IS NOT NULL),
per_recipient AS (
  SELECT recipient_id, count(*) AS referred, count(removed_at) AS removed, count(refusal) AS refused
  FROM fx WHERE sent_at IS NOT NULL GROUP BY recipient_id)
SELECT 'counts' AS section, NULL AS k, count(*) AS a, count(captured_at) AS b, count(decided_at) AS c,
  sum(approved_now) AS d, count(sent_at) AS e, count(removed_at) AS f, CAST(NULL AS TEXT) AS vals FROM s
UNION ALL SELECT 'removal', NULL, count(*), sum(CASE WHEN reappeared > 0 THEN 1 ELSE 0 END), NULL, NULL, NULL, NULL, NULL
  FROM removal
UNION ALL ${valuesOf(d, 'reportToCapture', 's WHERE captured_at IS NOT NULL', msBetween(d, 'reported_at', 'captured_at'))}
UNION ALL ${valuesOf(d, 'captureToDecision', 's WHERE decided_at IS NOT NULL AND captured_at IS NOT NULL', msBetween(d, 'captured_at', 'decided_at'))}
UNION ALL ${valuesOf(d, 'decisionToNotice', 's WHERE approved_at IS NOT NULL AND sent_at IS NOT NULL', msBetween(d, 'approved_at', 'sent_at'))}
UNION ALL ${valuesOf(d, 'noticeToRemoval', 'removal')}
UNION ALL ${valuesOf(d, 'reportedDay', 's', DAY_OF('reported_at'))}
UNION ALL ${valuesOf(d, 'referredDay', 's', DAY_OF('sent_at'))}
UNION ALL ${valuesOf(d, 'removedDay', 's', DAY_OF('removed_at'))}
UNION ALL SELECT 'category', categories, count(*), count(removed_at), NULL, NULL, NULL, NULL, NULL
  FROM s GROUP BY categories
UNION ALL SELECT 'recipient', rc.name, t.referred, t.removed, t.refused, NULL, NULL, NULL, NULL
  FROM per_recipient t JOIN recipients rc ON rc.id = t.recipient_id
UNION ALL SELECT 'kind', rc.kind, sum(t.referred), sum(t.removed), sum(t.refused), NULL, NULL, NULL, NULL
  FROM per_recipient t JOIN recipients rc ON rc.id = t.recipient_id GROUP BY rc.kind
UNION ALL SELECT 'regime', regime, count(*), count(removed_at), count(refusal), NULL, NULL, NULL, NULL
  FROM fx WHERE sent_at IS NOT NULL GROUP BY regime
UNION ALL SELECT 'refusal', refusal, count(*), NULL, NULL, NULL, NULL, NULL, NULL
  FROM fx WHERE refusal IS NOT NULL GROUP BY refusal`;

const num = (v: number | null): number => Number(v ?? 0);

type Metric = QuantileRow['metric'];
const METRICS: readonly Metric[] = [
  'reportToCapture',
  'captureToDecision',
  'decisionToNotice',
  'noticeToRemoval',
];
const DAY_COLUMNS = { reportedDay: 'reported', referredDay: 'referred', removedDay: 'removed' } as const;

/** A `vals` text of integers as numbers (empty when the group had none). */
const integersOf = (vals: string | null): Float64Array =>
  Float64Array.from(vals === null || vals === '' ? [] : vals.split(','), Number);

/** The order statistics around the median and p90 (ranks `(n - 1) * q` rounded down and up). */
function quantileRow(metric: Metric, sorted: Float64Array): QuantileRow {
  const n = sorted.length;
  const at = (q: number, up: boolean): number | null => {
    if (n === 0) return null;
    const pos = (n - 1) * q;
    return sorted[up ? Math.ceil(pos) : Math.floor(pos)] ?? null;
  };
  return {
    metric,
    n,
    medianLo: at(0.5, false),
    medianHi: at(0.5, true),
    p90Lo: at(0.9, false),
    p90Hi: at(0.9, true),
  };
}

/** The removal delays (milliseconds) counted per bucket of the time-to-removal chart. */
function removalBuckets(delays: Float64Array): PeriodAggregates['buckets'] {
  const counts = new Map<string, number>();
  for (const v of delays) {
    const bucket =
      v < 3_600_000
        ? 'under_1h'
        : v < 86_400_000
          ? 'under_24h'
          : v < 259_200_000
            ? 'under_3d'
            : v < 604_800_000
              ? 'under_7d'
              : 'over_7d';
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts].map(([bucket, count]) => ({ bucket, count }));
}

/** First reports, notices and removals per UTC day, from the day numbers (days since the epoch). */
function dayTotals(rows: readonly FigureRow[]): PeriodAggregates['days'] {
  const days = new Map<number, { reported: number; referred: number; removed: number }>();
  for (const r of rows) {
    const column = DAY_COLUMNS[r.k as keyof typeof DAY_COLUMNS];
    for (const day of integersOf(r.vals)) {
      const t = days.get(day) ?? { reported: 0, referred: 0, removed: 0 };
      t[column] += 1;
      days.set(day, t);
    }
  }
  return [...days].map(([day, t]) => ({
    day: new Date(day * 86_400_000).toISOString().slice(0, 10),
    ...t,
  }));
}

function aggregatesFrom(rows: readonly FigureRow[]): PeriodAggregates {
  const of = (section: string) => rows.filter((r) => r.section === section);
  const counts = of('counts')[0];
  const removal = of('removal')[0];
  const vals = of('vals');
  const sortedValues = new Map(
    METRICS.map((m) => [m, integersOf(vals.find((r) => r.k === m)?.vals ?? null).sort()] as const),
  );
  return {
    counts: {
      reported: num(counts?.a ?? null),
      captured: num(counts?.b ?? null),
      reviewed: num(counts?.c ?? null),
      approved: num(counts?.d ?? null),
      referred: num(counts?.e ?? null),
      removed: num(counts?.f ?? null),
    },
    removedReferrals: num(removal?.a ?? null),
    reappearedReferrals: num(removal?.b ?? null),
    quantiles: METRICS.map((m) => quantileRow(m, sortedValues.get(m) ?? new Float64Array())),
    categoryLists: of('category').map((r) => ({
      categories: r.k ?? '',
      reported: num(r.a),
      removed: num(r.b),
    })),
    tallies: (['recipient', 'kind', 'regime'] as const).flatMap((dim) =>
      of(dim).map((r) => ({ dim, key: r.k ?? '', referred: num(r.a), removed: num(r.b), refused: num(r.c) })),
    ),
    refusals: of('refusal').map((r) => ({ key: r.k ?? '', count: num(r.a) })),
    days: dayTotals(vals.filter((r) => r.k !== null && r.k in DAY_COLUMNS)),
    buckets: removalBuckets(sortedValues.get('noticeToRemoval') ?? new Float64Array()),
  };
}

export async function periodAggregates(c: ReadConn, from: string, to: string): Promise<PeriodAggregates> {
  const rows = await c.all<FigureRow>(periodSql(c.dialect), [from, to, from, to]);
  return aggregatesFrom(rows);
}
