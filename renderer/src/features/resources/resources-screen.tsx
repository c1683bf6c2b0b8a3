import { Box, MenuItem, TextField, Typography } from '@mui/material';
import { useDeferredValue, useEffect, useRef, useState } from 'react';
import type { ResourceSummary } from '@shared/domain/resources';
import { CATEGORY_HINTS, RESOURCE_STATES } from '@shared/domain/resources';
import type { CategoryHint, ResourceState } from '@shared/domain/resources';
import type { AppError } from '@shared/errors/app-error';
import { toAppError, useClient, useEvent } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { useI18n } from '@renderer/i18n/i18n-context';
import { pagesFor, pagesToKeep } from './page-cache';
import { useIndicatorCounts } from '../indicators/use-indicator-counts';
import { ResourceRow, ResourceRowHeader, ROW_HEIGHT } from './resource-row';
import { useVirtualRows } from './use-virtual-rows';

const PAGE = 200;
const KEEP_PAGES = 20;

type Sort = 'updatedAt' | 'createdAt' | 'reportCount' | 'url';
type Filters = Readonly<{
  state: ResourceState | '';
  category: CategoryHint | '';
  text: string;
  sort: Sort;
  direction: 'asc' | 'desc';
}>;
type Store = Readonly<{
  key: string;
  total: number | null;
  pages: ReadonlyMap<number, readonly ResourceSummary[]>;
  error: AppError | null;
}>;

export function ResourcesScreen() {
  const { t, number } = useI18n();
  const client = useClient();
  const [filters, setFilters] = useState<Filters>({
    state: '',
    category: '',
    text: '',
    sort: 'updatedAt',
    direction: 'desc',
  });
  const text = useDeferredValue(filters.text.trim());
  const [generation, setGeneration] = useState(0);
  const query = {
    ...(filters.state === '' ? {} : { state: filters.state }),
    ...(filters.category === '' ? {} : { category: filters.category }),
    ...(text === '' ? {} : { text }),
    sort: filters.sort,
    direction: filters.direction,
  };
  const key = JSON.stringify([query, generation]);
  const [store, setStore] = useState<Store>({ key: '', total: null, pages: new Map(), error: null });
  const current: Store = store.key === key ? store : { key, total: null, pages: new Map(), error: null };
  const [scrollElement, setScrollElement] = useState<HTMLDivElement | null>(null);
  const virtualizer = useVirtualRows({ count: current.total ?? 0, rowHeight: ROW_HEIGHT, scrollElement });
  const rows = virtualizer.getVirtualItems();
  const firstIndex = rows[0]?.index ?? 0;
  const lastIndex = rows[rows.length - 1]?.index ?? 0;
  const inFlight = useRef(new Set<string>());

  useEvent('resource.changed', () => setGeneration((g) => g + 1));

  useEffect(() => {
    const [q] = JSON.parse(key) as [typeof query, number];
    const wanted = new Set([0, ...pagesFor(firstIndex, lastIndex, PAGE)]);
    for (const page of wanted) {
      const flightKey = `${key}#${page}`;
      if (inFlight.current.has(flightKey)) continue;
      inFlight.current.add(flightKey);
      void client.call('resources.list', { ...q, offset: page * PAGE, limit: PAGE }).then(
        (answer) => {
          setStore((prev) => {
            const base: Store =
              prev.key === key
                ? prev
                : { key, total: null, pages: new Map<number, readonly ResourceSummary[]>(), error: null };
            const keep = pagesToKeep([...wanted], base.pages.keys(), KEEP_PAGES);
            const pages = new Map([...base.pages].filter(([p]) => keep.has(p)));
            pages.set(page, answer.items);
            return { key, total: answer.total, pages, error: null };
          });
        },
        (error: unknown) => {
          inFlight.current.delete(flightKey);
          setStore((prev) => ({
            ...(prev.key === key ? prev : { total: null, pages: new Map() }),
            key,
            error: toAppError(error),
          }));
        },
      );
    }
  }, [client, key, firstIndex, lastIndex]);

  const rowAt = (index: number): ResourceSummary | undefined =>
    current.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  const counts = useIndicatorCounts(rows.flatMap((row) => rowAt(row.index)?.id ?? []));

  return (
    <Box data-testid="screen-resources" sx={{ display: 'flex', flexDirection: 'column', height: '100%' }}>
      <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 2, mb: 2 }}>
        <Typography variant="h4" component="h1">
          {t('resources.title')}
        </Typography>
        <Typography color="text.secondary" data-testid="resources-total">
          {current.total === null ? '' : t('resources.count', { count: number(current.total) })}
        </Typography>
      </Box>
      <Box sx={{ display: 'flex', gap: 2, mb: 2, flexWrap: 'wrap' }}>
        <TextField
          size="small"
          label={t('resources.filterText')}
          value={filters.text}
          onChange={(e) => setFilters({ ...filters, text: e.target.value })}
          sx={{ minWidth: 260, flex: 1 }}
          slotProps={{ htmlInput: { 'data-testid': 'resources-filter-text', maxLength: 500 } }}
        />
        <TextField
          select
          size="small"
          label={t('resources.filterState')}
          value={filters.state}
          onChange={(e) => setFilters({ ...filters, state: e.target.value as ResourceState | '' })}
          sx={{ minWidth: 170 }}
        >
          <MenuItem value="">{t('common.all')}</MenuItem>
          {RESOURCE_STATES.map((s) => (
            <MenuItem key={s} value={s}>
              {t(`state.${s}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label={t('resources.filterCategory')}
          value={filters.category}
          onChange={(e) => setFilters({ ...filters, category: e.target.value as CategoryHint | '' })}
          sx={{ minWidth: 150 }}
        >
          <MenuItem value="">{t('common.all')}</MenuItem>
          {CATEGORY_HINTS.map((c) => (
            <MenuItem key={c} value={c}>
              {t(`category.${c}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label={t('resources.sort')}
          value={filters.sort}
          onChange={(e) => setFilters({ ...filters, sort: e.target.value as Sort })}
          sx={{ minWidth: 150 }}
        >
          {(['updatedAt', 'createdAt', 'reportCount', 'url'] as const).map((s) => (
            <MenuItem key={s} value={s}>
              {t(`resources.sort.${s}`)}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label={t('resources.direction')}
          value={filters.direction}
          onChange={(e) => setFilters({ ...filters, direction: e.target.value as 'asc' | 'desc' })}
          sx={{ minWidth: 140 }}
        >
          <MenuItem value="desc">{t('resources.direction.desc')}</MenuItem>
          <MenuItem value="asc">{t('resources.direction.asc')}</MenuItem>
        </TextField>
      </Box>
      {current.error ? <ErrorView error={current.error} onRetry={() => setGeneration((g) => g + 1)} /> : null}
      {current.total === null && !current.error ? <LoadingView /> : null}
      {current.total === 0 ? <EmptyView text={t('resources.empty')} /> : null}
      <Box
        role="table"
        aria-rowcount={current.total ?? 0}
        sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 320 }}
      >
        <ResourceRowHeader />
        <Box
          ref={setScrollElement}
          data-testid="resources-scroller"
          sx={{ flex: 1, overflow: 'auto', position: 'relative', contain: 'strict' }}
        >
          <Box
            role="rowgroup"
            sx={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}
          >
            {rows.map((row) => (
              <ResourceRow
                key={row.key}
                index={row.index}
                top={row.start}
                item={rowAt(row.index)}
                counts={counts.get(rowAt(row.index)?.id ?? '')}
              />
            ))}
          </Box>
        </Box>
      </Box>
    </Box>
  );
}
