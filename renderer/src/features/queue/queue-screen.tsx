import CancelIcon from '@mui/icons-material/Cancel';
import ReplayIcon from '@mui/icons-material/Replay';
import {
  Alert,
  Box,
  Button,
  Chip,
  IconButton,
  LinearProgress,
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import type { EventPayload } from '@shared/contract/index';
import type { QueueItem } from '@shared/contract/methods/capture';
import { CAPTURE_STAGES } from '@shared/domain/capture-stage';
import { useAction, useEvent, useQuery } from '@renderer/api/api-context';
import { routeHref } from '@renderer/app/routes';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';
import { mergeProgress } from './queue-merge';

export function QueueScreen() {
  const { t, number, duration } = useI18n();
  const status = useQuery('queue.status', {});
  const [live, setLive] = useState<ReadonlyMap<string, EventPayload<'capture.progress'>>>(new Map());
  const [concurrency, setConcurrency] = useState<number | null>(null);
  useEvent('capture.progress', (p) => setLive((m) => new Map(m).set(p.resourceId, p)));
  useEvent('queue.changed', status.reload);
  const cancel = useAction((c, id: string) => c.call('queue.cancel', { resourceId: id }));
  const retry = useAction((c, id: string) => c.call('queue.retry', { resourceId: id }));
  const setC = useAction((c, n: number) => c.call('queue.setConcurrency', { concurrency: n }));
  const items: readonly QueueItem[] = mergeProgress(status.data?.items ?? [], live);
  const shownConcurrency = concurrency ?? status.data?.concurrency ?? 1;
  const actionError = cancel.error ?? retry.error ?? setC.error;

  return (
    <Box data-testid="screen-queue">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 2, flexWrap: 'wrap' }}>
        <Typography variant="h4" component="h1" sx={{ flexGrow: 1 }}>
          {t('queue.title')}
        </Typography>
        {status.data ? (
          <Typography>
            {t('queue.running')}: <b>{number(status.data.running)}</b> · {t('queue.waiting')}:{' '}
            <b>{number(status.data.waiting)}</b>
          </Typography>
        ) : null}
        {status.data?.captureWorkers === true ? (
          // A team server captures nothing itself: each worker has its own --concurrency.
          <Typography data-testid="queue-workers-busy">
            {t('queue.workersBusy')}: <b>{number(status.data.concurrency)}</b>
          </Typography>
        ) : (
          <>
            <TextField
              select
              size="small"
              label={t('queue.concurrency')}
              value={shownConcurrency}
              onChange={(e) => setConcurrency(Number(e.target.value))}
              sx={{ minWidth: 160 }}
            >
              {[1, 2, 3, 4, 5, 6, 7, 8].map((n) => (
                <MenuItem key={n} value={n}>
                  {number(n)}
                </MenuItem>
              ))}
            </TextField>
            <Button
              variant="outlined"
              disabled={concurrency === null || setC.pending}
              onClick={() => void setC.run(shownConcurrency).then(status.reload)}
            >
              {t('queue.setConcurrency')}
            </Button>
          </>
        )}
      </Box>
      {actionError ? <ErrorView error={actionError} /> : null}
      {status.error ? <ErrorView error={status.error} onRetry={status.reload} /> : null}
      {status.data === undefined && !status.error ? <LoadingView /> : null}
      {status.data !== undefined && items.length === 0 ? <EmptyView text={t('queue.empty')} /> : null}
      {items.length > 0 ? (
        <TableContainer>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('intake.url')}</TableCell>
                <TableCell>{t('queue.stage')}</TableCell>
                <TableCell>{t('queue.status')}</TableCell>
                <TableCell>{t('queue.elapsed')}</TableCell>
                <TableCell>{t('queue.warnings')}</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {items.map((item) => {
                const stageIndex = CAPTURE_STAGES.indexOf(item.stage);
                const active = item.status === 'running' || item.status === 'waiting';
                return (
                  <TableRow
                    key={item.resourceId}
                    data-testid="queue-row"
                    data-status={item.status}
                    data-stage={item.stage}
                  >
                    <TableCell sx={{ maxWidth: 380, overflowWrap: 'anywhere' }}>
                      <a href={routeHref({ name: 'resource', id: item.resourceId })}>
                        <LtrText>{item.url}</LtrText>
                      </a>
                    </TableCell>
                    <TableCell sx={{ minWidth: 140 }}>
                      {t(`stage.${item.stage}`)}
                      {item.status === 'running' ? (
                        <LinearProgress
                          variant="determinate"
                          value={(100 * Math.max(0, stageIndex)) / (CAPTURE_STAGES.length - 1)}
                          sx={{ mt: 0.5 }}
                        />
                      ) : null}
                    </TableCell>
                    <TableCell>
                      <Chip
                        size="small"
                        variant="outlined"
                        label={t(`status.${item.status}`)}
                        color={
                          item.status === 'failed'
                            ? 'error'
                            : item.status === 'partial'
                              ? 'warning'
                              : item.status === 'complete'
                                ? 'success'
                                : 'default'
                        }
                      />
                      {item.worker !== undefined ? (
                        <Typography variant="caption" sx={{ display: 'block' }} data-testid="queue-worker">
                          {t('queue.worker')}: <LtrText mono>{item.worker}</LtrText>
                        </Typography>
                      ) : null}
                      {item.retries !== undefined && item.retries > 0 ? (
                        <Typography variant="caption" sx={{ display: 'block' }}>
                          {t('queue.retries')}: {number(item.retries)}
                        </Typography>
                      ) : null}
                      {item.error ? (
                        <Typography variant="caption" color="error" sx={{ display: 'block' }}>
                          <LtrText mono>{item.error.code}</LtrText>
                        </Typography>
                      ) : null}
                    </TableCell>
                    <TableCell>{duration(item.elapsedMs)}</TableCell>
                    <TableCell>
                      {item.warnings.map((w) => (
                        <Alert key={w.code} severity="warning" sx={{ py: 0, mb: 0.5 }}>
                          <LtrText mono>{w.code}</LtrText> {w.message}
                        </Alert>
                      ))}
                    </TableCell>
                    <TableCell>
                      {active ? (
                        <Tooltip title={t('queue.cancel')}>
                          <IconButton
                            aria-label={t('queue.cancel')}
                            onClick={() => void cancel.run(item.resourceId)}
                            data-testid="queue-cancel"
                          >
                            <CancelIcon />
                          </IconButton>
                        </Tooltip>
                      ) : null}
                      {item.status === 'failed' ||
                      item.status === 'cancelled' ||
                      item.status === 'partial' ? (
                        <Tooltip title={t('queue.retry')}>
                          <IconButton
                            aria-label={t('queue.retry')}
                            onClick={() => void retry.run(item.resourceId)}
                            data-testid="queue-retry"
                          >
                            <ReplayIcon />
                          </IconButton>
                        </Tooltip>
                      ) : null}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        </TableContainer>
      ) : null}
    </Box>
  );
}
