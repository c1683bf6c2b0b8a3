import { Box, Skeleton } from '@mui/material';
import { memo } from 'react';
import type { IndicatorCounts } from '@shared/contract/methods/indicators';
import type { ResourceSummary } from '@shared/domain/resources';
import { routeHref } from '@renderer/app/routes';
import { LtrText } from '@renderer/components/ltr-text';
import { StateChip } from '@renderer/components/state-chip';
import { useI18n } from '@renderer/i18n/i18n-context';

export const ROW_HEIGHT = 44;
const COLUMNS = 'minmax(0, 3fr) minmax(0, 2fr) 150px 80px 80px 90px 190px';

export function ResourceRowHeader() {
  const { t } = useI18n();
  return (
    <Box
      role="row"
      sx={{
        display: 'grid',
        gridTemplateColumns: COLUMNS,
        gap: 1,
        px: 1,
        py: 1,
        fontWeight: 600,
        borderBottom: 1,
        borderColor: 'divider',
      }}
    >
      <span role="columnheader">{t('resources.col.url')}</span>
      <span role="columnheader">{t('resources.col.title')}</span>
      <span role="columnheader">{t('resources.col.state')}</span>
      <span role="columnheader">{t('resources.col.reports')}</span>
      <span role="columnheader">{t('resources.col.captures')}</span>
      <span role="columnheader">{t('indicators.col')}</span>
      <span role="columnheader">{t('resources.col.updated')}</span>
    </Box>
  );
}

const ellipsis = { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } as const;

/** One row; page titles are captured data and shown as text only. */
export const ResourceRow = memo(function ResourceRow({
  index,
  top,
  item,
  counts,
}: Readonly<{
  index: number;
  top: number;
  item: ResourceSummary | undefined;
  /** Indicators and coded terms found (undefined while not yet counted). */
  counts?: IndicatorCounts | undefined;
}>) {
  const { number, dateTime } = useI18n();
  return (
    <Box
      role="row"
      component={item ? 'a' : 'div'}
      href={item ? routeHref({ name: 'resource', id: item.id }) : undefined}
      data-testid="resource-row"
      data-index={index}
      data-id={item?.id}
      aria-rowindex={index + 1}
      sx={{
        position: 'absolute',
        top: 0,
        insetInlineStart: 0,
        width: '100%',
        height: ROW_HEIGHT,
        transform: `translateY(${top}px)`,
        display: 'grid',
        gridTemplateColumns: COLUMNS,
        gap: 1,
        px: 1,
        alignItems: 'center',
        borderBottom: 1,
        borderColor: 'divider',
        color: 'inherit',
        textDecoration: 'none',
        '&:hover': { bgcolor: 'action.hover' },
      }}
    >
      {item ? (
        <>
          <Box role="cell" sx={{ ...ellipsis, textAlign: 'start' }}>
            <LtrText title={item.displayUrl}>{item.displayUrl}</LtrText>
          </Box>
          <Box
            role="cell"
            dir="auto"
            sx={ellipsis}
            title={item.lastTitle ?? ''}
            data-testid="resource-row-title"
          >
            <bdi>{item.lastTitle ?? ''}</bdi>
          </Box>
          <Box role="cell">
            <StateChip state={item.state} />
          </Box>
          <Box role="cell">{number(item.reportCount)}</Box>
          <Box role="cell">{number(item.captureCount)}</Box>
          <IndicatorCountCell counts={counts} />
          <Box role="cell" sx={{ ...ellipsis, fontSize: 13 }}>
            {dateTime(item.updatedAt)}
          </Box>
        </>
      ) : (
        <Skeleton sx={{ gridColumn: '1 / -1' }} />
      )}
    </Box>
  );
});

/** "3 · 2": distinct indicators · distinct coded terms of the newest extraction of each capture. */
export function IndicatorCountCell({ counts }: Readonly<{ counts: IndicatorCounts | undefined }>) {
  const { t, number } = useI18n();
  if (counts === undefined) return <Box role="cell" />;
  return (
    <Box
      role="cell"
      title={t('indicators.countTitle', {
        indicators: number(counts.indicators),
        terms: number(counts.terms),
      })}
      data-testid="resource-row-indicators"
      data-indicators={counts.indicators}
      data-terms={counts.terms}
      sx={{ color: counts.indicators + counts.terms > 0 ? 'text.primary' : 'text.disabled' }}
    >
      {`${number(counts.indicators)} · ${number(counts.terms)}`}
    </Box>
  );
}
