import { Box, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { useTheme } from '@mui/material/styles';
import { useState } from 'react';
import type { StatsReport } from '@shared/domain/stats';
import { useQuery } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { SectionCard } from '@renderer/components/section-card';
import type { MessageKey } from '@renderer/i18n/en';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * The unit's statistics over a period (`stats.report`, the figures of `vigil stats` and of the PDF
 * period report): counts per stage, rates, median and p90 times, breakdowns, per-week bars and the
 * time-to-removal distribution. The charts are plain SVG; time runs in reading direction.
 */

const STAGES = ['reported', 'captured', 'reviewed', 'approved', 'referred', 'removed'] as const;
const DURATIONS = ['reportToCapture', 'captureToDecision', 'decisionToNotice', 'noticeToRemoval'] as const;

/** The first day of the current month and today, UTC: the period the screen opens on. */
function defaultPeriod(): { from: string; to: string } {
  const today = new Date().toISOString().slice(0, 10);
  return { from: `${today.slice(0, 8)}01`, to: today };
}

const isDay = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s);

function useDuration(): (seconds: number | null) => string {
  const { t, number } = useI18n();
  return (seconds) => {
    if (seconds === null) return '—';
    const min = Math.round(seconds / 60);
    const d = Math.floor(min / 1440);
    const h = Math.floor((min % 1440) / 60);
    const m = min % 60;
    if (d > 0) return t('stats.daysHours', { d: number(d), h: number(h) });
    if (h > 0) return t('stats.hoursMinutes', { h: number(h), m: number(m) });
    return t('stats.minutes', { m: number(m) });
  };
}

function Tally({ rows, testId }: Readonly<{ rows: StatsReport['byRecipient']; testId: string }>) {
  const { t, number } = useI18n();
  if (rows.length === 0) return <Typography color="text.secondary">{t('stats.none')}</Typography>;
  return (
    <Table size="small" data-testid={testId}>
      <TableHead>
        <TableRow>
          <TableCell>{t('stats.key')}</TableCell>
          <TableCell align="right">{t('stats.referred')}</TableCell>
          <TableCell align="right">{t('stats.removed')}</TableCell>
          <TableCell align="right">{t('stats.refused')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.key}>
            <TableCell>
              <bdi>{r.key}</bdi>
            </TableCell>
            <TableCell align="right">{number(r.referred)}</TableCell>
            <TableCell align="right">{number(r.removed)}</TableCell>
            <TableCell align="right">{number(r.refused)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

const W = 560;
const H = 160;
const PAD = 24;

function WeekBars({ weeks }: Readonly<{ weeks: StatsReport['perWeek'] }>) {
  const { t, number, dir } = useI18n();
  const theme = useTheme();
  if (weeks.length === 0) return <Typography color="text.secondary">{t('stats.none')}</Typography>;
  const max = Math.max(1, ...weeks.map((w) => Math.max(w.reported, w.referred, w.removed)));
  const slot = (W - PAD * 2) / weeks.length;
  const bar = Math.max(1, slot / 3 - 1);
  const x = (i: number) => (dir === 'rtl' ? W - PAD - (i + 1) * slot : PAD + i * slot);
  const h = (v: number) => ((H - PAD * 2) * v) / max;
  const colours = [theme.palette.text.disabled, theme.palette.primary.main, theme.palette.success.main];
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-label={t('stats.perWeek')}
      data-testid="stats-week-bars"
    >
      <line x1={PAD} x2={W - PAD} y1={H - PAD} y2={H - PAD} stroke={theme.palette.divider} />
      <text
        x={dir === 'rtl' ? W - 4 : 4}
        y={PAD - 6}
        fontSize="10"
        textAnchor={dir === 'rtl' ? 'end' : 'start'}
        fill={theme.palette.text.secondary}
      >
        {number(max)}
      </text>
      {weeks.map((w, i) => (
        <g key={w.week}>
          {[w.reported, w.referred, w.removed].map((v, k) => (
            <rect
              key={k}
              x={x(i) + k * (bar + 1)}
              y={H - PAD - h(v)}
              width={bar}
              height={h(v)}
              fill={colours[k]}
            >
              <title>{`${w.week}: ${number(v)}`}</title>
            </rect>
          ))}
        </g>
      ))}
      {/* Dates read left to right in every language; anchored inside the chart on the reading side. */}
      <text x={x(0)} y={H - 6} fontSize="10" direction="ltr" fill={theme.palette.text.secondary}>
        {weeks[0]?.week}
      </text>
    </svg>
  );
}

function Distribution({ buckets }: Readonly<{ buckets: StatsReport['removalDistribution'] }>) {
  const { t, number, dir } = useI18n();
  const theme = useTheme();
  const max = Math.max(1, ...buckets.map((b) => b.count));
  return (
    <Box data-testid="stats-distribution">
      {buckets.map((b) => (
        <Box
          key={b.bucket}
          sx={{ display: 'grid', gridTemplateColumns: '8rem 1fr 4rem', alignItems: 'center', gap: 1 }}
        >
          <Typography variant="body2">{t(`stats.bucket.${b.bucket}` as MessageKey)}</Typography>
          <svg viewBox="0 0 100 8" preserveAspectRatio="none" width="100%" height="10" role="presentation">
            {/* Bars grow from the start edge: the right in Arabic. */}
            <rect
              x={dir === 'rtl' ? 100 - (100 * b.count) / max : 0}
              width={(100 * b.count) / max}
              height="8"
              fill={theme.palette.primary.main}
            />
          </svg>
          <Typography variant="body2" align="right">
            {number(b.count)}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

export function StatsScreen() {
  const { t, number } = useI18n();
  const duration = useDuration();
  const [period, setPeriod] = useState(defaultPeriod);
  const valid = isDay(period.from) && isDay(period.to) && period.from <= period.to;
  const stats = useQuery('stats.report', period, valid);
  const s = stats.data;
  const percent = (v: number | null) => (v === null ? '—' : `${number(Math.round(v * 1000) / 10)} %`);
  return (
    <Box data-testid="screen-stats">
      <Typography variant="h4" component="h1" sx={{ mb: 2 }}>
        {t('stats.title')}
      </Typography>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', mb: 2 }}>
        <TextField
          type="date"
          label={t('stats.from')}
          value={period.from}
          onChange={(e) => setPeriod((p) => ({ ...p, from: e.target.value }))}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'stats-from' } }}
          size="small"
        />
        <TextField
          type="date"
          label={t('stats.to')}
          value={period.to}
          onChange={(e) => setPeriod((p) => ({ ...p, to: e.target.value }))}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'stats-to' } }}
          size="small"
        />
      </Box>
      {stats.error ? <ErrorView error={stats.error} onRetry={stats.reload} /> : null}
      {s === undefined && !stats.error ? <LoadingView /> : null}
      {s !== undefined ? (
        <>
          <Typography color="text.secondary" sx={{ mb: 2 }}>
            {t('stats.period', { from: `\u2066${s.from}\u2069`, to: `\u2066${s.to}\u2069` })}
          </Typography>
          <Box
            sx={{
              display: 'grid',
              gap: 2,
              gridTemplateColumns: {
                xs: '1fr',
                md: 'repeat(2, minmax(0, 1fr))',
                xl: 'repeat(3, minmax(0, 1fr))',
              },
            }}
          >
            <SectionCard title={t('stats.counts')} testId="stats-counts">
              <Table size="small">
                <TableBody>
                  {STAGES.map((k) => (
                    <TableRow key={k}>
                      <TableCell>{t(`stats.stage.${k}` as MessageKey)}</TableCell>
                      <TableCell align="right" data-testid={`stats-count-${k}`}>
                        {number(s.counts[k])}
                      </TableCell>
                    </TableRow>
                  ))}
                  <TableRow>
                    <TableCell>{t('stats.removalRate')}</TableCell>
                    <TableCell align="right" data-testid="stats-removal-rate">
                      {percent(s.removalRate)}
                    </TableCell>
                  </TableRow>
                  <TableRow>
                    <TableCell>{t('stats.reappearanceRate')}</TableCell>
                    <TableCell align="right">{percent(s.reappearanceRate)}</TableCell>
                  </TableRow>
                </TableBody>
              </Table>
            </SectionCard>
            <SectionCard title={t('stats.times')} testId="stats-times">
              <Table size="small">
                <TableHead>
                  <TableRow>
                    <TableCell />
                    <TableCell align="right">{t('stats.median')}</TableCell>
                    <TableCell align="right">{t('stats.p90')}</TableCell>
                    <TableCell align="right">{t('stats.cases')}</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {DURATIONS.map((k) => (
                    <TableRow key={k}>
                      <TableCell>{t(`stats.duration.${k}` as MessageKey)}</TableCell>
                      <TableCell align="right">{duration(s.durations[k].medianSeconds)}</TableCell>
                      <TableCell align="right">{duration(s.durations[k].p90Seconds)}</TableCell>
                      <TableCell align="right">{number(s.durations[k].count)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </SectionCard>
            <SectionCard title={t('stats.distribution')}>
              <Distribution buckets={s.removalDistribution} />
            </SectionCard>
            <SectionCard title={t('stats.perWeek')}>
              <WeekBars weeks={s.perWeek} />
            </SectionCard>
            <SectionCard title={t('stats.byCategory')} testId="stats-by-category">
              {s.byCategory.length === 0 ? (
                <Typography color="text.secondary">{t('stats.none')}</Typography>
              ) : (
                <Table size="small">
                  <TableHead>
                    <TableRow>
                      <TableCell>{t('stats.key')}</TableCell>
                      <TableCell align="right">{t('stats.reported')}</TableCell>
                      <TableCell align="right">{t('stats.removed')}</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {s.byCategory.map((c) => (
                      <TableRow key={c.key}>
                        <TableCell>
                          <bdi>{c.key}</bdi>
                        </TableCell>
                        <TableCell align="right">{number(c.reported)}</TableCell>
                        <TableCell align="right">{number(c.removed)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )}
            </SectionCard>
            <SectionCard title={t('stats.refusals')}>
              {s.refusalReasons.length === 0 ? (
                <Typography color="text.secondary">{t('stats.none')}</Typography>
              ) : (
                <Table size="small">
                  <TableBody>
                    {s.refusalReasons.map((r) => (
                      <TableRow key={r.key}>
                        <TableCell>
                          <bdi>{r.key}</bdi>
                        </TableCell>
                        <TableCell align="right">{number(r.count)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              )}
            </SectionCard>
            <SectionCard title={t('stats.byRecipient')}>
              <Tally rows={s.byRecipient} testId="stats-by-recipient" />
            </SectionCard>
            <SectionCard title={t('stats.byKind')}>
              <Tally rows={s.byRecipientKind} testId="stats-by-kind" />
            </SectionCard>
            <SectionCard title={t('stats.byRegime')}>
              <Tally rows={s.byRegime} testId="stats-by-regime" />
            </SectionCard>
          </Box>
        </>
      ) : null}
    </Box>
  );
}
