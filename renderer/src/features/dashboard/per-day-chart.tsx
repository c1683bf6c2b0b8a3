import { Box, Typography } from '@mui/material';
import { useTheme } from '@mui/material/styles';
import { useI18n } from '@renderer/i18n/i18n-context';

export type DayPoint = Readonly<{ date: string; captures: number; decisions: number }>;

const W = 560;
const H = 180;
const PAD = 28;

/**
 * Two bar series per day, drawn as plain SVG. Time runs in reading direction: in Arabic the
 * newest day is on the left, as readers of right-to-left timelines expect.
 */
export function PerDayChart({ days }: Readonly<{ days: readonly DayPoint[] }>) {
  const { t, date, number, dir } = useI18n();
  const theme = useTheme();
  const max = Math.max(1, ...days.map((d) => Math.max(d.captures, d.decisions)));
  const slot = (W - PAD * 2) / Math.max(days.length, 1);
  const bar = Math.max(2, slot / 2 - 2);
  const x = (i: number) => (dir === 'rtl' ? W - PAD - (i + 1) * slot : PAD + i * slot);
  const h = (v: number) => ((H - PAD * 2) * v) / max;
  const captureColor = theme.palette.primary.main;
  const decisionColor = theme.palette.warning.main;
  const labelEvery = Math.max(1, Math.ceil(days.length / 7));
  return (
    <Box data-testid="per-day-chart">
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={t('dashboard.perDay')}>
        <line x1={PAD} x2={W - PAD} y1={H - PAD} y2={H - PAD} stroke={theme.palette.divider} />
        <text
          x={dir === 'rtl' ? W - 4 : 4}
          y={PAD}
          fontSize="10"
          textAnchor={dir === 'rtl' ? 'end' : 'start'}
          fill={theme.palette.text.secondary}
        >
          {number(max)}
        </text>
        {days.map((d, i) => (
          <g key={d.date}>
            <rect
              x={x(i) + 1}
              y={H - PAD - h(d.captures)}
              width={bar}
              height={h(d.captures)}
              fill={captureColor}
            >
              <title>{`${date(d.date)} — ${t('dashboard.captures')}: ${number(d.captures)}`}</title>
            </rect>
            <rect
              x={x(i) + 1 + bar + 1}
              y={H - PAD - h(d.decisions)}
              width={bar}
              height={h(d.decisions)}
              fill={decisionColor}
            >
              <title>{`${date(d.date)} — ${t('dashboard.decisions')}: ${number(d.decisions)}`}</title>
            </rect>
            {i % labelEvery === 0 ? (
              <text
                x={x(i) + slot / 2}
                y={H - PAD + 14}
                fontSize="10"
                textAnchor="middle"
                fill={theme.palette.text.secondary}
              >
                {date(d.date)}
              </text>
            ) : null}
          </g>
        ))}
      </svg>
      <Box sx={{ display: 'flex', gap: 2, mt: 1 }}>
        <Typography variant="body2" sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
          <Box
            component="span"
            sx={{ width: 12, height: 12, bgcolor: captureColor, display: 'inline-block' }}
          />
          {t('dashboard.captures')}
        </Typography>
        <Typography variant="body2" sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
          <Box
            component="span"
            sx={{ width: 12, height: 12, bgcolor: decisionColor, display: 'inline-block' }}
          />
          {t('dashboard.decisions')}
        </Typography>
      </Box>
    </Box>
  );
}
