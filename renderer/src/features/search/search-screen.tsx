import { Box, Button, List, ListItemButton, ListItemText, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useQuery } from '@renderer/api/api-context';
import { navigate } from '@renderer/app/use-route';
import { routeHref } from '@renderer/app/routes';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { splitMarked } from '@renderer/i18n/format';
import { useI18n } from '@renderer/i18n/i18n-context';

/** Matches arrive between U+E000/U+E001 markers and are highlighted as text nodes, never parsed as HTML. */
function Snippet({ text }: Readonly<{ text: string }>) {
  return (
    <bdi data-testid="search-snippet">
      {splitMarked(text).map((part, i) =>
        part.marked ? (
          <mark key={i} data-testid="search-mark">
            {part.text}
          </mark>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </bdi>
  );
}

export function SearchScreen({ initial }: Readonly<{ initial: string }>) {
  const { t, number } = useI18n();
  const [text, setText] = useState(initial);
  const query = initial.trim();
  const hits = useQuery('search.query', { text: query === '' ? ' ' : query, limit: 50 }, query !== '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate({ name: 'search', q: text.trim() });
  };
  return (
    <Box data-testid="screen-search">
      <Typography variant="h4" component="h1" sx={{ mb: 2 }}>
        {t('search.title')}
      </Typography>
      <Box component="form" onSubmit={submit} sx={{ display: 'flex', gap: 1, mb: 2 }}>
        <TextField
          fullWidth
          autoFocus
          label={t('search.placeholder')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          slotProps={{
            htmlInput: { id: 'search-input', maxLength: 500, dir: 'auto', 'data-testid': 'search-input' },
          }}
        />
        <Button type="submit" variant="contained" disabled={text.trim() === ''}>
          {t('search.run')}
        </Button>
      </Box>
      {query === '' ? null : (
        <>
          {hits.error ? <ErrorView error={hits.error} onRetry={hits.reload} /> : null}
          {hits.loading && hits.data === undefined ? <LoadingView /> : null}
          {hits.data?.length === 0 ? <EmptyView text={t('search.noHits')} /> : null}
          {hits.data && hits.data.length > 0 ? (
            <>
              <Typography color="text.secondary">
                {t('search.hits', { count: number(hits.data.length) })}
              </Typography>
              <List>
                {hits.data.map((h) => (
                  <ListItemButton
                    key={`${h.resourceId}-${h.captureId ?? ''}`}
                    component="a"
                    href={routeHref({ name: 'resource', id: h.resourceId })}
                    data-testid="search-hit"
                  >
                    <ListItemText
                      primary={
                        <>
                          <bdi>{h.title}</bdi> · <LtrText>{h.url}</LtrText>
                        </>
                      }
                      secondary={<Snippet text={h.snippet} />}
                      sx={{ overflowWrap: 'anywhere' }}
                    />
                  </ListItemButton>
                ))}
              </List>
            </>
          ) : null}
        </>
      )}
    </Box>
  );
}
