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
 * The SQL is the one both engines share; the dialect supplies only the
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

/** Milliseconds from `a` to `b` (both integer instants), never negative: a clock skew is not a delay. */
const msBetween = (d: Dialect, a: string, b: string): string => d.larger('0', `${b} - ${a}`);

/**
 * A list of integers as one text, NULLs left out (both engines' concatenation skips them): sorting
 * and counting them is Node's job (a typed-array sort of 100,000 numbers takes milliseconds, where a
 * window function or a GROUP BY over them takes far longer). `when` keeps a duration to the rows
 * that have both ends (PostgreSQL's GREATEST would turn a missing end into 0).
 */
const listOf = (d: Dialect, value: string, when: string): string =>
  d.joinedText(`CASE WHEN ${when} THEN ${value} END`);
const duration = (d: Dialect, from: string, to: string): string =>
  listOf(d, msBetween(d, from, to), `${from} IS NOT NULL AND ${to} IS NOT NULL`);
const dayList = (d: Dialect, at: string): string => listOf(d, DAY_OF(at), `${at} IS NOT NULL`);

/** 1 when the condition holds, else 0, summed: a count both engines write alike. */
const countWhere = (when: string): string => `sum(CASE WHEN ${when} THEN 1 ELSE 0 END)`;

const REPORTED = 'coalesce(reported_ms, created_ms)';
/** The newest decision counts as it stands now; of two signed at the same instant, not the approval. */
const APPROVED_NOW = 'last_approve_ms > coalesce(last_other_ms, -9007199254740991)';
const SENT = 'sent_ms IS NOT NULL';
const SENT_REMOVED = 'sent_ms IS NOT NULL AND removed_ms IS NOT NULL';

/**
 * Each summary is read in single passes over its covering indexes (migration 0250): every count and
 * integer list of the resources in one aggregate row, their category lists in one GROUP BY, the
 * referrals' removal delays in one row, and their tallies in one GROUP BY over (recipient, regime,
 * refusal reason), a few hundred groups at most that the recipient, kind, regime and refusal figures
 * are then summed from. The GROUP BYs can read indexes that lead with their groups (see 0250).
 */
export const periodSql = (d: Dialect): string => `
WITH
rs AS MATERIALIZED (
  SELECT count(*) AS n, count(captured_ms) AS captured, count(decided_ms) AS reviewed,
    ${countWhere(APPROVED_NOW)} AS approved, count(sent_ms) AS referred, count(removed_ms) AS removed,
    ${duration(d, REPORTED, 'captured_ms')} AS report_to_capture,
    ${duration(d, 'captured_ms', 'decided_ms')} AS capture_to_decision,
    ${duration(d, 'approved_ms', 'sent_ms')} AS decision_to_notice,
    ${dayList(d, REPORTED)} AS reported_day, ${dayList(d, 'sent_ms')} AS referred_day,
    ${dayList(d, 'removed_ms')} AS removed_day
  FROM resource_stats WHERE period_at >= ? AND period_at < ?),
fs AS MATERIALIZED (
  SELECT ${countWhere(SENT_REMOVED)} AS removed, ${countWhere(`${SENT_REMOVED} AND reappeared > 0`)} AS reappeared,
    ${duration(d, 'sent_ms', 'removed_ms')} AS notice_to_removal
  FROM referral_stats WHERE period_at >= ? AND period_at < ?),
g AS MATERIALIZED (
  SELECT recipient_id, regime_id, refusal_reason, count(*) AS n, ${countWhere(SENT)} AS referred,
    ${countWhere(SENT_REMOVED)} AS removed, ${countWhere(`${SENT} AND refusal_reason IS NOT NULL`)} AS refused
  FROM referral_stats WHERE period_at >= ? AND period_at < ?
  GROUP BY recipient_id, regime_id, refusal_reason),
gr AS (SELECT g.*, rc.name, rc.kind FROM g JOIN recipients rc ON rc.id = g.recipient_id)
SELECT 'counts' AS section, NULL AS k, n AS a, captured AS b, reviewed AS c, approved AS d, referred AS e,
  removed AS f, CAST(NULL AS TEXT) AS vals FROM rs
UNION ALL SELECT 'removal', NULL, removed, reappeared, NULL, NULL, NULL, NULL, NULL FROM fs
UNION ALL SELECT 'vals', 'reportToCapture', NULL, NULL, NULL, NULL, NULL, NULL, report_to_capture FROM rs
UNION ALL SELECT 'vals', 'captureToDecision', NULL, NULL, NULL, NULL, NULL, NULL, capture_to_decision FROM rs
UNION ALL SELECT 'vals', 'decisionToNotice', NULL, NULL, NULL, NULL, NULL, NULL, decision_to_notice FROM rs
UNION ALL SELECT 'vals', 'noticeToRemoval', NULL, NULL, NULL, NULL, NULL, NULL, notice_to_removal FROM fs
UNION ALL SELECT 'vals', 'reportedDay', NULL, NULL, NULL, NULL, NULL, NULL, reported_day FROM rs
UNION ALL SELECT 'vals', 'referredDay', NULL, NULL, NULL, NULL, NULL, NULL, referred_day FROM rs
UNION ALL SELECT 'vals', 'removedDay', NULL, NULL, NULL, NULL, NULL, NULL, removed_day FROM rs
UNION ALL SELECT 'category', categories, count(*), count(removed_ms), NULL, NULL, NULL, NULL, NULL
  FROM resource_stats WHERE period_at >= ? AND period_at < ? GROUP BY categories
UNION ALL SELECT 'recipient', name, sum(referred), sum(removed), sum(refused), NULL, NULL, NULL, NULL
  FROM gr GROUP BY recipient_id, name HAVING sum(referred) > 0
UNION ALL SELECT 'kind', kind, sum(referred), sum(removed), sum(refused), NULL, NULL, NULL, NULL
  FROM gr GROUP BY kind HAVING sum(referred) > 0
UNION ALL SELECT 'regime', regime_id, sum(referred), sum(removed), sum(refused), NULL, NULL, NULL, NULL
  FROM g GROUP BY regime_id HAVING sum(referred) > 0
UNION ALL SELECT 'refusal', refusal_reason, sum(n), NULL, NULL, NULL, NULL, NULL, NULL
  FROM g WHERE refusal_reason IS NOT NULL GROUP BY refusal_reason`;

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
function integersOf(vals: string | null): Float64Array {
  if (vals === null || vals === '') return new Float64Array(0);
  return /^-?\d+(?:,-?\d+)*$/.test(vals) ? digitsOf(vals) : Float64Array.from(vals.split(','), Number);
}

const COMMA = 44;
const MINUS = 45;
const ZERO = 48;

/**
 * Comma-separated integers read digit by digit: half a million of them arrive per year, and
 * splitting them into strings first cost more than the query's own grouping. The caller has checked
 * the form; the values are below 2^53, so the sums stay exact.
 */
function digitsOf(vals: string): Float64Array {
  let count = 1;
  for (let i = 0; i < vals.length; i++) if (vals.charCodeAt(i) === COMMA) count += 1;
  const out = new Float64Array(count);
  let k = 0;
  let v = 0;
  let sign = 1;
  for (let i = 0; i < vals.length; i++) {
    const ch = vals.charCodeAt(i);
    if (ch === COMMA) {
      out[k++] = sign * v;
      v = 0;
      sign = 1;
    } else if (ch === MINUS) sign = -1;
    else v = v * 10 + (ch - ZERO);
  }
  out[k] = sign * v;
  return out;
}

/**
 * The value of rank `k` (0-based) among `xs[lo..hi]`, rearranging them (Hoare's selection): the
 * report needs four ranks per metric, not a sorted list, so a linear pass replaces a sort.
 */
function selectRank(xs: Float64Array, k: number, lo = 0, hi = xs.length - 1): number {
  let l = lo;
  let h = hi;
  while (l < h) {
    const pivot = xs[(l + h) >>> 1]!;
    let i = l;
    let j = h;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i++] = xs[j]!;
        xs[j--] = t;
      }
    }
    if (k <= j) h = j;
    else if (k >= i) l = i;
    else return xs[k]!;
  }
  return xs[k]!;
}

/**
 * The order statistics around the median and p90 (ranks `(n - 1) * q` rounded down and up). Each
 * upper rank is the smallest value above its lower rank, which selection leaves to the right of it.
 */
function quantileRow(metric: Metric, values: Float64Array): QuantileRow {
  const n = values.length;
  if (n === 0) return { metric, n, medianLo: null, medianHi: null, p90Lo: null, p90Hi: null };
  const around = (q: number): readonly [number, number] => {
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    const loValue = selectRank(values, lo);
    if (Math.ceil(pos) === lo) return [loValue, loValue];
    let hiValue = values[lo + 1]!;
    for (let i = lo + 2; i < n; i++) if (values[i]! < hiValue) hiValue = values[i]!;
    return [loValue, hiValue];
  };
  const [p90Lo, p90Hi] = around(0.9);
  const [medianLo, medianHi] = around(0.5);
  return { metric, n, medianLo, medianHi, p90Lo, p90Hi };
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

/**
 * First reports, notices and removals per UTC day, from the day numbers (days since the epoch),
 * counted in arrays indexed from the earliest day: a few hundred thousand numbers per year.
 */
function dayTotals(rows: readonly FigureRow[]): PeriodAggregates['days'] {
  const lists = rows.map((r) => ({
    column: DAY_COLUMNS[r.k as keyof typeof DAY_COLUMNS],
    days: integersOf(r.vals),
  }));
  let first = Infinity;
  let last = -Infinity;
  for (const { days } of lists)
    for (const day of days) {
      if (day < first) first = day;
      if (day > last) last = day;
    }
  if (first > last) return [];
  const span = last - first + 1;
  const totals = {
    reported: new Uint32Array(span),
    referred: new Uint32Array(span),
    removed: new Uint32Array(span),
  };
  for (const { column, days } of lists) {
    const counts = totals[column];
    for (const day of days) counts[day - first]! += 1;
  }
  const result: { day: string; reported: number; referred: number; removed: number }[] = [];
  for (let i = 0; i < span; i++) {
    const [reported, referred, removed] = [totals.reported[i]!, totals.referred[i]!, totals.removed[i]!];
    if (reported + referred + removed > 0)
      result.push({
        day: new Date((first + i) * 86_400_000).toISOString().slice(0, 10),
        reported,
        referred,
        removed,
      });
  }
  return result;
}

function aggregatesFrom(rows: readonly FigureRow[]): PeriodAggregates {
  const of = (section: string) => rows.filter((r) => r.section === section);
  const counts = of('counts')[0];
  const removal = of('removal')[0];
  const vals = of('vals');
  const values = new Map(
    METRICS.map((m) => [m, integersOf(vals.find((r) => r.k === m)?.vals ?? null)] as const),
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
    quantiles: METRICS.map((m) => quantileRow(m, values.get(m) ?? new Float64Array())),
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
    buckets: removalBuckets(values.get('noticeToRemoval') ?? new Float64Array()),
  };
}

export async function periodAggregates(c: ReadConn, from: string, to: string): Promise<PeriodAggregates> {
  const rows = await c.all<FigureRow>(periodSql(c.dialect), [from, to, from, to, from, to, from, to]);
  return aggregatesFrom(rows);
}
