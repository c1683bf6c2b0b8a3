import type { ReadConn } from '../database';
import type { Dialect } from '../dialect';

/**
 * The statistics of the resources created in [from, to), aggregated in the database: only figures
 * leave it, never a row per resource. Everything comes from `resource_milestones` (migration 0180),
 * read twice over one index range in the index's own order (per resource, then per referral), so both
 * groupings stream without a sort. Quantiles come back as the two order statistics around each rank
 * (`lo`, `hi`, integer milliseconds) so that the caller interpolates exactly as the reference does.
 * Lists whose order or folding is display logic (categories, weeks) come back as the raw figures per
 * category list and per day; `report-from-aggregates` folds and sorts them.
 * The SQL is the one both engines share; the dialect supplies only the epoch conversion.
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
  /** `quant` rows only: the metric's durations, comma-separated. */
  vals: string | null;
}>;

/** The UTC day of an integer instant, as days since the epoch (integer division rounds toward zero). */
const DAY_OF = (ms: string): string => `(${ms} - CASE WHEN ${ms} < 0 THEN 86399999 ELSE 0 END) / 86400000`;

const when = (milestone: string, value = 'at_ms'): string =>
  `CASE WHEN milestone = '${milestone}' THEN ${value} END`;
const decided = (approve: boolean): string =>
  `CASE WHEN milestone = 'decided' AND detail ${approve ? '=' : '!='} 'approve' THEN at_ms END`;

/** Milliseconds from `a` to `b` (both integer instants), never negative: a clock skew is not a delay. */
const msBetween = (d: Dialect, a: string, b: string): string => d.larger('0', `${b} - ${a}`);

/**
 * The durations of one metric as a single text of integers: sorting them is Node's job (a typed-array
 * sort of 100,000 numbers takes milliseconds, where a window function over them in SQLite takes far
 * longer). Only the two order statistics around each rank are kept.
 */
const valuesOf = (d: Dialect, metric: string, table: string): string =>
  `SELECT 'quant', '${metric}', count(*), NULL, NULL, NULL, NULL, NULL, ${d.joinedText('v')} FROM ${table}`;

export const periodSql = (d: Dialect): string => `
WITH
-- One row per resource: all its milestones (its referrals' too) in index order, grouped as they stream.
s AS MATERIALIZED (
  SELECT resource_id AS id,
    coalesce(min(${when('reported')}), max(${when('created')})) AS reported_at,
    min(${when('captured')}) AS captured_at,
    min(${when('decided')}) AS decided_at,
    min(${decided(true)}) AS approved_at,
    -- The newest decision counts as it stands now; of two signed at the same instant, not the approval.
    CASE WHEN max(${decided(true)}) > coalesce(max(${decided(false)}), -9007199254740991) THEN 1 ELSE 0 END
      AS approved_now,
    min(${when('sent')}) AS sent_at, min(${when('removed')}) AS removed_at
  FROM resource_milestones WHERE period_at >= ? AND period_at < ?
  GROUP BY period_at, resource_id
  HAVING max(${when('created', '1')}) = 1),
-- One row per referral, from the partial index that holds only referral milestones.
f AS MATERIALIZED (
  SELECT referral_id AS id, min(${when('sent')}) AS sent_at, min(${when('removed')}) AS removed_at,
    min(${when('refused', 'event_seq')}) AS refusal_seq, max(${when('reappeared', '1')}) AS reappeared
  FROM resource_milestones WHERE period_at >= ? AND period_at < ? AND referral_id IS NOT NULL
  GROUP BY period_at, resource_id, referral_id),
fx AS MATERIALIZED (
  SELECT f.id, f.sent_at, f.removed_at, f.reappeared, rf.regime_id AS regime, rf.recipient_id,
    CASE WHEN f.refusal_seq IS NOT NULL THEN coalesce(e.reason, 'other') END AS refusal
  FROM f JOIN referrals rf ON rf.id = f.id
  LEFT JOIN referral_events e ON e.seq = f.refusal_seq),
d_rc AS MATERIALIZED (SELECT ${msBetween(d, 'reported_at', 'captured_at')} AS v FROM s WHERE captured_at IS NOT NULL),
d_cd AS MATERIALIZED (SELECT ${msBetween(d, 'captured_at', 'decided_at')} AS v
  FROM s WHERE decided_at IS NOT NULL AND captured_at IS NOT NULL),
d_dn AS MATERIALIZED (SELECT ${msBetween(d, 'approved_at', 'sent_at')} AS v
  FROM s WHERE approved_at IS NOT NULL AND sent_at IS NOT NULL),
removal AS MATERIALIZED (SELECT ${msBetween(d, 'sent_at', 'removed_at')} AS v, reappeared
  FROM fx WHERE sent_at IS NOT NULL AND removed_at IS NOT NULL),
per_recipient AS (
  SELECT recipient_id, count(*) AS referred, count(removed_at) AS removed, count(refusal) AS refused
  FROM fx WHERE sent_at IS NOT NULL GROUP BY recipient_id)
SELECT 'counts' AS section, NULL AS k, count(*) AS a, count(captured_at) AS b, count(decided_at) AS c,
  sum(approved_now) AS d, count(sent_at) AS e, count(removed_at) AS f, CAST(NULL AS TEXT) AS vals FROM s
UNION ALL SELECT 'removal', NULL, count(*), sum(CASE WHEN reappeared > 0 THEN 1 ELSE 0 END), NULL, NULL, NULL, NULL, NULL
  FROM removal
UNION ALL ${valuesOf(d, 'reportToCapture', 'd_rc')}
UNION ALL ${valuesOf(d, 'captureToDecision', 'd_cd')}
UNION ALL ${valuesOf(d, 'decisionToNotice', 'd_dn')}
UNION ALL ${valuesOf(d, 'noticeToRemoval', 'removal')}
UNION ALL SELECT 'category', r.categories, count(*), count(s.removed_at), NULL, NULL, NULL, NULL, NULL
  FROM s JOIN resources r ON r.id = s.id GROUP BY r.categories
UNION ALL SELECT 'recipient', rc.name, t.referred, t.removed, t.refused, NULL, NULL, NULL, NULL
  FROM per_recipient t JOIN recipients rc ON rc.id = t.recipient_id
UNION ALL SELECT 'kind', rc.kind, sum(t.referred), sum(t.removed), sum(t.refused), NULL, NULL, NULL, NULL
  FROM per_recipient t JOIN recipients rc ON rc.id = t.recipient_id GROUP BY rc.kind
UNION ALL SELECT 'regime', regime, count(*), count(removed_at), count(refusal), NULL, NULL, NULL, NULL
  FROM fx WHERE sent_at IS NOT NULL GROUP BY regime
UNION ALL SELECT 'refusal', refusal, count(*), NULL, NULL, NULL, NULL, NULL, NULL
  FROM fx WHERE refusal IS NOT NULL GROUP BY refusal
UNION ALL SELECT 'day', CAST(day AS TEXT), sum(reported), sum(referred), sum(removed), NULL, NULL, NULL, NULL FROM (
  SELECT ${DAY_OF('reported_at')} AS day, 1 AS reported, 0 AS referred, 0 AS removed FROM s
  UNION ALL SELECT ${DAY_OF('sent_at')}, 0, 1, 0 FROM s WHERE sent_at IS NOT NULL
  UNION ALL SELECT ${DAY_OF('removed_at')}, 0, 0, 1 FROM s WHERE removed_at IS NOT NULL) days
  GROUP BY day
UNION ALL SELECT 'bucket', bucket, count(*), NULL, NULL, NULL, NULL, NULL, NULL FROM (
  SELECT CASE WHEN v < 3600000 THEN 'under_1h' WHEN v < 86400000 THEN 'under_24h'
              WHEN v < 259200000 THEN 'under_3d' WHEN v < 604800000 THEN 'under_7d' ELSE 'over_7d' END AS bucket
  FROM removal) b
  GROUP BY bucket`;

const num = (v: number | null): number => Number(v ?? 0);

/** The order statistics around the median and p90 (ranks `(n - 1) * q` rounded down and up). */
function quantileRow(metric: QuantileRow['metric'], vals: string | null): QuantileRow {
  const sorted = Float64Array.from(vals === null || vals === '' ? [] : vals.split(','), Number).sort();
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

function aggregatesFrom(rows: readonly FigureRow[]): PeriodAggregates {
  const of = (section: string) => rows.filter((r) => r.section === section);
  const counts = of('counts')[0];
  const removal = of('removal')[0];
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
    quantiles: of('quant').map((r) => quantileRow(r.k as QuantileRow['metric'], r.vals)),
    categoryLists: of('category').map((r) => ({
      categories: r.k ?? '',
      reported: num(r.a),
      removed: num(r.b),
    })),
    tallies: (['recipient', 'kind', 'regime'] as const).flatMap((dim) =>
      of(dim).map((r) => ({ dim, key: r.k ?? '', referred: num(r.a), removed: num(r.b), refused: num(r.c) })),
    ),
    refusals: of('refusal').map((r) => ({ key: r.k ?? '', count: num(r.a) })),
    days: of('day').map((r) => ({
      day: new Date(Number(r.k) * 86_400_000).toISOString().slice(0, 10),
      reported: num(r.a),
      referred: num(r.b),
      removed: num(r.c),
    })),
    buckets: of('bucket').map((r) => ({ bucket: r.k ?? '', count: num(r.a) })),
  };
}

export async function periodAggregates(c: ReadConn, from: string, to: string): Promise<PeriodAggregates> {
  const rows = await c.all<FigureRow>(periodSql(c.dialect), [from, to, from, to]);
  return aggregatesFrom(rows);
}
