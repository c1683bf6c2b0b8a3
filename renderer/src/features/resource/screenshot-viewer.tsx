import NavigateBeforeIcon from '@mui/icons-material/NavigateBefore';
import NavigateNextIcon from '@mui/icons-material/NavigateNext';
import ZoomInIcon from '@mui/icons-material/ZoomIn';
import ZoomOutIcon from '@mui/icons-material/ZoomOut';
import { Box, Button, GlobalStyles, IconButton, Tooltip, Typography } from '@mui/material';
import { useState } from 'react';
import type { Artifact } from '@shared/domain/capture-record';
import { SensitiveImage } from '@renderer/components/sensitive-image';
import { useI18n } from '@renderer/i18n/i18n-context';

type Zoom = 'fit' | number;

/** Full-page screenshot (or its ordered segments) in a scrolling frame with fit and zoom. */
export function ScreenshotViewer({
  resourceId,
  artifacts,
  sensitive,
}: Readonly<{ resourceId: string; artifacts: readonly Artifact[]; sensitive: boolean }>) {
  const { t, number, dir } = useI18n();
  const PrevIcon = dir === 'rtl' ? NavigateNextIcon : NavigateBeforeIcon;
  const NextIcon = dir === 'rtl' ? NavigateBeforeIcon : NavigateNextIcon;
  const shots = artifacts
    .filter((a) => a.kind === 'screenshot')
    .sort((a, b) => (a.segment?.index ?? 0) - (b.segment?.index ?? 0));
  const [zoom, setZoom] = useState<Zoom>('fit');
  const [segment, setSegment] = useState(0);
  // The print view shows the captioned copy (URL, UTC time, capture id above the pixels); the
  // original screenshot stays what the viewer shows otherwise.
  const captioned = artifacts.find((a) => a.kind === 'screenshot-captioned');
  const [printView, setPrintView] = useState(false);
  if (shots.length === 0) return null;
  const shot = shots[Math.min(segment, shots.length - 1)];
  const current = printView && captioned ? captioned : shot;
  if (current === undefined) return null;
  const scale = zoom === 'fit' ? 1 : zoom;
  const step = (factor: number) => setZoom((z) => Math.min(4, Math.max(0.1, (z === 'fit' ? 1 : z) * factor)));
  return (
    <Box data-testid="screenshot-viewer">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1, flexWrap: 'wrap' }}>
        <Button
          size="small"
          variant={zoom === 'fit' ? 'contained' : 'outlined'}
          onClick={() => setZoom('fit')}
        >
          {t('resource.fit')}
        </Button>
        <Button size="small" variant={zoom === 1 ? 'contained' : 'outlined'} onClick={() => setZoom(1)}>
          {t('resource.actualSize')}
        </Button>
        <Tooltip title={t('resource.zoomOut')}>
          <IconButton aria-label={t('resource.zoomOut')} onClick={() => step(1 / 1.25)}>
            <ZoomOutIcon />
          </IconButton>
        </Tooltip>
        <Tooltip title={t('resource.zoomIn')}>
          <IconButton aria-label={t('resource.zoomIn')} onClick={() => step(1.25)}>
            <ZoomInIcon />
          </IconButton>
        </Tooltip>
        <Typography variant="body2" color="text.secondary">
          {zoom === 'fit' ? t('resource.fit') : `${number(Math.round(scale * 100))}%`}
        </Typography>
        {captioned ? (
          <Button
            size="small"
            variant={printView ? 'contained' : 'outlined'}
            data-testid="screenshot-print-view"
            onClick={() => setPrintView((v) => !v)}
          >
            {t('resource.printView')}
          </Button>
        ) : null}
        {printView && captioned ? (
          <Button size="small" data-testid="screenshot-print" onClick={() => window.print()}>
            {t('resource.print')}
          </Button>
        ) : null}
        {shots.length > 1 && !(printView && captioned) ? (
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, marginInlineStart: 'auto' }}>
            <Tooltip title={t('resource.prevSegment')}>
              <span>
                <IconButton
                  aria-label={t('resource.prevSegment')}
                  disabled={segment === 0}
                  onClick={() => setSegment((s) => s - 1)}
                >
                  <PrevIcon />
                </IconButton>
              </span>
            </Tooltip>
            <Typography variant="body2">
              {t('resource.segment', { index: number(segment + 1), count: number(shots.length) })}
            </Typography>
            <Tooltip title={t('resource.nextSegment')}>
              <span>
                <IconButton
                  aria-label={t('resource.nextSegment')}
                  disabled={segment >= shots.length - 1}
                  onClick={() => setSegment((s) => s + 1)}
                >
                  <NextIcon />
                </IconButton>
              </span>
            </Tooltip>
          </Box>
        ) : null}
      </Box>
      {printView && captioned ? (
        <GlobalStyles
          styles={{
            '@media print': {
              'body *': { visibility: 'hidden' },
              '[data-print-view], [data-print-view] *': { visibility: 'visible' },
              '[data-print-view]': {
                position: 'absolute',
                insetInlineStart: 0,
                top: 0,
                width: '100%',
                maxHeight: 'none !important',
                overflow: 'visible !important',
                border: 'none !important',
              },
            },
          }}
        />
      ) : null}
      <Box
        dir="ltr"
        tabIndex={0}
        {...(printView && captioned ? { 'data-print-view': true } : {})}
        sx={{
          maxHeight: '70vh',
          overflow: 'auto',
          border: 1,
          borderColor: 'divider',
          bgcolor: 'action.hover',
          textAlign: 'center',
        }}
      >
        <SensitiveImage
          key={current.sha256}
          resourceId={resourceId}
          sha256={current.sha256}
          sensitive={sensitive}
          alt={t('resource.screenshot')}
          imgStyle={zoom === 'fit' ? { width: '100%', height: 'auto' } : { zoom: scale, maxWidth: 'none' }}
        />
      </Box>
    </Box>
  );
}
