/**
 * Order statistics of durations, pure. Quantiles interpolate linearly between the two nearest
 * ranks (the definition spreadsheets use), so the median of an even count is the mean of the
 * middle two. An empty sample has no quantile: null, never 0, so "no data" cannot read as "instant".
 */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
}

export type DurationSummary = Readonly<{
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}>;

export function summariseDurations(seconds: readonly number[]): DurationSummary {
  const sorted = [...seconds].sort((x, y) => x - y);
  const round = (v: number | null): number | null => (v === null ? null : Math.round(v));
  return {
    count: sorted.length,
    medianSeconds: round(quantile(sorted, 0.5)),
    p90Seconds: round(quantile(sorted, 0.9)),
  };
}
