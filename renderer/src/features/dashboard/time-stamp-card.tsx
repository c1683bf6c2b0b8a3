import { Alert, Typography } from '@mui/material';
import { useEvent, useQuery } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * Time-stamping on this workstation: a persistent warning while no independent authority is chosen
 * (times then rest on the workstation's clock alone), the captures still waiting for a token and
 * since when, and up to which row the custody log is anchored.
 */
export function TimeStampCard() {
  const { t, number, dateTime } = useI18n();
  const status = useQuery('timestamps.status', {});
  useEvent('resource.changed', status.reload);
  const data = status.data;
  return (
    <SectionCard title={t('time.title')} testId="time-stamps">
      {status.error ? <ErrorView error={status.error} onRetry={status.reload} /> : null}
      {data && data.tsa.status !== 'authority' ? (
        <Alert severity="warning" data-testid="tsa-warning" sx={{ mb: 1 }}>
          {t('time.notTimestamped')}
        </Alert>
      ) : null}
      {data ? (
        <>
          <Typography data-testid="tsa-pending">
            {data.pending.count === 0
              ? t('time.nonePending')
              : t('time.pending', {
                  count: number(data.pending.count),
                  since: data.pending.oldestAt === null ? '' : dateTime(data.pending.oldestAt),
                })}
          </Typography>
          <Typography color="text.secondary">
            {data.head === null
              ? t('time.notAnchored')
              : t('time.anchored', { seq: number(data.head.seq), at: dateTime(data.head.genTime) })}
          </Typography>
        </>
      ) : null}
    </SectionCard>
  );
}
