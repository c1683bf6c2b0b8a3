import { Box, List, ListItemButton, ListItemText, Typography } from '@mui/material';
import { useEvent, useQuery } from '@renderer/api/api-context';
import { routeHref } from '@renderer/app/routes';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { StateChip } from '@renderer/components/state-chip';
import { useI18n } from '@renderer/i18n/i18n-context';

export function ReviewListScreen() {
  const { t, dateTime } = useI18n();
  const list = useQuery('review.list', {});
  useEvent('resource.changed', list.reload);
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
          </ListItemButton>
        ))}
      </List>
    </Box>
  );
}
