import {
  Box,
  Button,
  LinearProgress,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from '@mui/material';
import { CATEGORY_HINTS, RESOURCE_STATES } from '@shared/domain/resources';
import { useEvent, useQuery } from '@renderer/api/api-context';
import { routeHref } from '@renderer/app/routes';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { SectionCard } from '@renderer/components/section-card';
import { StateChip } from '@renderer/components/state-chip';
import { useI18n } from '@renderer/i18n/i18n-context';
import { PerDayChart } from './per-day-chart';
import { TimeStampCard } from './time-stamp-card';

export function DashboardScreen() {
  const { t, number } = useI18n();
  const stats = useQuery('dashboard.stats', {});
  const queue = useQuery('queue.status', {});
  useEvent('queue.changed', queue.reload);
  useEvent('resource.changed', stats.reload);
  return (
    <Box data-testid="screen-dashboard">
      <Typography variant="h4" component="h1" sx={{ mb: 2 }}>
        {t('dashboard.title')}
      </Typography>
      {stats.error ? <ErrorView error={stats.error} onRetry={stats.reload} /> : null}
      {stats.data === undefined && !stats.error ? <LoadingView /> : null}
      <Box
        sx={{
          display: 'grid',
          gap: 2,
          gridTemplateColumns: {
            xs: '1fr',
            md: 'repeat(2, minmax(0, 1fr))',
            xl: 'repeat(3, minmax(0, 1fr))',
          },
          mt: 2,
        }}
      >
        <SectionCard title={t('dashboard.waitingForMe')} testId="waiting-for-me">
          <Typography variant="h3" component="p">
            {stats.data ? number(stats.data.waitingForMe) : '…'}
          </Typography>
          <Typography color="text.secondary" sx={{ mb: 1 }}>
            {/* Without the figures, a "0" here would contradict the placeholder above. */}
            {stats.data ? t('dashboard.waitingForMeCount', { count: number(stats.data.waitingForMe) }) : ' '}
          </Typography>
          <Button href={routeHref({ name: 'review-list' })} variant="outlined">
            {t('dashboard.openReview')}
          </Button>
        </SectionCard>
        <TimeStampCard />
        <SectionCard title={t('dashboard.queueHealth')} testId="queue-health">
          {queue.error ? <ErrorView error={queue.error} onRetry={queue.reload} /> : null}
          {queue.data ? (
            <>
              <Typography>
                {t('queue.running')}: <b>{number(queue.data.running)}</b> · {t('queue.waiting')}:{' '}
                <b>{number(queue.data.waiting)}</b> · {t('queue.concurrency')}:{' '}
                <b>{number(queue.data.concurrency)}</b>
              </Typography>
              <LinearProgress
                sx={{ mt: 2 }}
                variant="determinate"
                value={Math.min(100, (100 * queue.data.running) / Math.max(1, queue.data.concurrency))}
              />
            </>
          ) : null}
        </SectionCard>
        <SectionCard title={t('dashboard.perDay')}>
          {stats.data && stats.data.perDay.length > 0 ? (
            <PerDayChart days={stats.data.perDay} />
          ) : (
            <EmptyView text={t('dashboard.noActivity')} />
          )}
        </SectionCard>
        <SectionCard title={t('dashboard.byState')} testId="by-state">
          <Table size="small">
            <TableBody>
              {RESOURCE_STATES.map((s) => (
                <TableRow key={s}>
                  <TableCell>
                    <StateChip state={s} />
                  </TableCell>
                  <TableCell align="right" data-testid={`count-state-${s}`}>
                    {number(stats.data?.byState[s] ?? 0)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </SectionCard>
        <SectionCard title={t('dashboard.byCategory')}>
          <Table size="small">
            <TableBody>
              {CATEGORY_HINTS.map((c) => (
                <TableRow key={c}>
                  <TableCell>{t(`category.${c}`)}</TableCell>
                  <TableCell align="right">{number(stats.data?.byCategory[c] ?? 0)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </SectionCard>
      </Box>
    </Box>
  );
}
