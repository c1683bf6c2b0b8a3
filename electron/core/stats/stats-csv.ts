import type { StatsReport } from '@shared/domain/stats';

/**
 * The statistics as one CSV table (`section,key,metric,value`), so a spreadsheet can pivot it.
 * Keys (recipient names, categories) are quoted and a leading formula character is defused.
 */
const cell = (v: string | number | null): string => {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(text) || text !== v ? `"${text.replace(/"/g, '""')}"` : text;
};

export function statsCsv(s: StatsReport): string {
  const rows: (string | number | null)[][] = [['section', 'key', 'metric', 'value']];
  rows.push(['period', 'from', 'date', s.from], ['period', 'to', 'date', s.to]);
  for (const [k, v] of Object.entries(s.counts)) rows.push(['counts', k, 'count', v]);
  rows.push(
    ['rates', 'removal', 'ratio', s.removalRate],
    ['rates', 'reappearance', 'ratio', s.reappearanceRate],
  );
  for (const [k, d] of Object.entries(s.durations)) {
    rows.push(['durations', k, 'count', d.count], ['durations', k, 'median_seconds', d.medianSeconds]);
    rows.push(['durations', k, 'p90_seconds', d.p90Seconds]);
  }
  for (const c of s.byCategory)
    rows.push(['category', c.key, 'reported', c.reported], ['category', c.key, 'removed', c.removed]);
  for (const [section, list] of [
    ['recipient', s.byRecipient],
    ['recipient_kind', s.byRecipientKind],
    ['regime', s.byRegime],
  ] as const)
    for (const t of list)
      rows.push(
        [section, t.key, 'referred', t.referred],
        [section, t.key, 'removed', t.removed],
        [section, t.key, 'refused', t.refused],
      );
  for (const r of s.refusalReasons) rows.push(['refusal_reason', r.key, 'count', r.count]);
  for (const w of s.perWeek)
    rows.push(
      ['week', w.week, 'reported', w.reported],
      ['week', w.week, 'referred', w.referred],
      ['week', w.week, 'removed', w.removed],
    );
  for (const b of s.removalDistribution) rows.push(['time_to_removal', b.bucket, 'count', b.count]);
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}
