import { Box, Chip, List, ListItemButton, ListItemText, Typography } from '@mui/material';
import type { IndicatorCounts } from '@shared/contract/methods/indicators';
import { useEvent, useQuery } from '@renderer/api/api-context';
import { routeHref } from '@renderer/app/routes';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { StateChip } from '@renderer/components/state-chip';
import { useI18n } from '@renderer/i18n/i18n-context';
import { useIndicatorCounts } from '../indicators/use-indicator-counts';

export function ReviewListScreen() {
  const { t, dateTime } = useI18n();
  const list = useQuery('review.list', {});
  useEvent('resource.changed', list.reload);
  const counts = useIndicatorCounts(list.data?.map((r) => r.id) ?? []);
  return (
    <Box data-testid="screen-review-list">
      <Typography variant="h4" component="h1" sx={{ mb: 2 }}>
        {t('review.listTitle')}
      </Typography>
      {list.error ? <ErrorView error={list.error} onRetry={list.reload} /> : null}
      {list.data === undefined && !list.error ? <LoadingView /> : null}
      {list.data?.length === 0 ? <EmptyView text={t('review.listEmpty')} /> : null}
      <List>
        {list.data?.map((r) => (
          <ListItemButton
            key={r.id}
            component="a"
            href={routeHref({ name: 'review', id: r.id })}
            data-testid="review-list-item"
            sx={{ gap: 2 }}
          >
            <StateChip state={r.state} />
            <ListItemText
              primary={<LtrText>{r.displayUrl}</LtrText>}
              secondary={
                <>
                  <bdi>{r.lastTitle ?? ''}</bdi>
                  {r.lastCapturedAt ? ` · ${dateTime(r.lastCapturedAt)}` : ''}
                </>
              }
              sx={{ overflowWrap: 'anywhere' }}
            />
            <IndicatorCountChip counts={counts.get(r.id)} />
          </ListItemButton>
        ))}
      </List>
    </Box>
  );
}

/** Indicators · coded terms of a resource waiting for review; nothing while uncounted or none found. */
function IndicatorCountChip({ counts }: Readonly<{ counts: IndicatorCounts | undefined }>) {
  const { t, number } = useI18n();
  if (counts === undefined || counts.indicators + counts.terms === 0) return null;
  return (
    <Chip
      size="small"
      variant="outlined"
      color={counts.terms > 0 ? 'warning' : 'default'}
      label={`${number(counts.indicators)} · ${number(counts.terms)}`}
      title={t('indicators.countTitle', {
        indicators: number(counts.indicators),
        terms: number(counts.terms),
      })}
      data-testid="review-list-indicators"
    />
  );
}
