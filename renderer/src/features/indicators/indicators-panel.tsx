import {
  Alert,
  Box,
  Button,
  Chip,
  Stack,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tabs,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { CodedTermHit, IndicatorBox, ResourceIndicator } from '@shared/contract/methods/indicators';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { useQuery } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SensitiveImage } from '@renderer/components/sensitive-image';
import { useI18n } from '@renderer/i18n/i18n-context';
import { useArtifactText } from '../resource/use-artifact-text';
import { IndicatorExportButtons } from './indicator-export-buttons';
import { NetworkView } from './network-view';
import { overlayScreenshot } from './overlay-screenshot';

type View = 'list' | 'screenshot' | 'text' | 'network';
const VIEWS: readonly View[] = ['list', 'screenshot', 'text', 'network'];

/**
 * The indicators and coded terms of the shown capture: a list, boxes over the screenshot (an
 * absolutely positioned layer above the unchanged image, never drawn into it), highlights in the
 * text, and the network of resources that share them.
 */
export function IndicatorsPanel({
  resourceId,
  capture,
  sensitive,
}: Readonly<{ resourceId: string; capture: CaptureRecord; sensitive: boolean }>) {
  const { t } = useI18n();
  const [view, setView] = useState<View>('list');
  const found = useQuery('indicators.ofResource', { resourceId });
  if (found.data === undefined)
    return found.error ? <ErrorView error={found.error} onRetry={found.reload} /> : <LoadingView />;
  const indicators = found.data.indicators
    .map((i) => ({ ...i, occurrences: i.occurrences.filter((o) => o.captureId === capture.id) }))
    .filter((i) => i.occurrences.length > 0);
  const hits = found.data.hits.filter((h) => h.captureId === capture.id);
  return (
    <Box data-testid="indicators-panel">
      {capture.restricted === true ? (
        <Alert severity="info" sx={{ mb: 1 }} data-testid="indicators-restricted">
          {t('indicators.restricted')}
        </Alert>
      ) : null}
      <Tabs value={view} onChange={(_, v: View) => setView(v)} sx={{ mb: 1 }}>
        {VIEWS.map((v) => (
          <Tab key={v} value={v} label={t(`indicators.view.${v}`)} data-testid={`indicators-view-${v}`} />
        ))}
      </Tabs>
      {view === 'list' ? <IndicatorList indicators={indicators} hits={hits} /> : null}
      {view === 'screenshot' ? (
        <ScreenshotOverlay
          resourceId={resourceId}
          capture={capture}
          indicators={indicators}
          hits={hits}
          sensitive={sensitive}
        />
      ) : null}
      {view === 'text' ? <HighlightedText capture={capture} indicators={indicators} hits={hits} /> : null}
      {view === 'network' ? <NetworkView resourceId={resourceId} /> : null}
      <Box sx={{ mt: 2 }}>
        <IndicatorExportButtons
          target={{ resourceIds: [resourceId] }}
          disabled={indicators.length === 0 && found.data.indicators.length === 0}
        />
      </Box>
    </Box>
  );
}

function IndicatorList({
  indicators,
  hits,
}: Readonly<{ indicators: readonly ResourceIndicator[]; hits: readonly CodedTermHit[] }>) {
  const { t, number } = useI18n();
  if (indicators.length === 0 && hits.length === 0) return <EmptyView text={t('indicators.none')} />;
  return (
    <Table size="small" data-testid="indicators-list">
      <TableHead>
        <TableRow>
          <TableCell>{t('indicators.type')}</TableCell>
          <TableCell>{t('indicators.value')}</TableCell>
          <TableCell>{t('indicators.where')}</TableCell>
          <TableCell>{t('indicators.shared')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {indicators.map((i) => (
          <TableRow key={`${i.type}:${i.value}`} data-testid="indicator-row">
            <TableCell>
              <Chip size="small" label={i.type} />
            </TableCell>
            <TableCell>
              <LtrText mono>{i.value}</LtrText>
            </TableCell>
            <TableCell>
              {i.occurrences.map((o) => t(`indicators.artifact.${o.artifact}`)).join(', ')}
            </TableCell>
            <TableCell>
              {i.sharedWith > 0
                ? t('indicators.sharedWith', {
                    count: number(i.sharedWith),
                    blocked: number(i.sharedBlocked),
                  })
                : t('common.none')}
            </TableCell>
          </TableRow>
        ))}
        {hits.map((h) => (
          <TableRow key={`${h.lexiconId}:${h.offset}`} data-testid="coded-term-row">
            <TableCell>
              <Chip size="small" color="warning" label={t('indicators.codedTerm')} />
            </TableCell>
            <TableCell>
              <bdi>{h.term}</bdi>
            </TableCell>
            <TableCell>{`${h.category} · ${h.lexiconId} v${number(h.lexiconVersion)}`}</TableCell>
            <TableCell />
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function ScreenshotOverlay({
  resourceId,
  capture,
  indicators,
  hits,
  sensitive,
}: Readonly<{
  resourceId: string;
  capture: CaptureRecord;
  indicators: readonly ResourceIndicator[];
  hits: readonly CodedTermHit[];
  sensitive: boolean;
}>) {
  const { t } = useI18n();
  // The first full-page segment; boxes are in its pixels (viewport width × device pixel ratio wide).
  const shot = overlayScreenshot(capture);
  if (shot === undefined) return <EmptyView text={t('indicators.noScreenshot')} />;
  const width = capture.context.viewport.width * capture.context.viewport.deviceScaleFactor;
  const top = shot.segment?.top ?? 0;
  const boxes: OverlayBox[] = [];
  for (const i of indicators)
    i.occurrences.forEach((o, n) => {
      if (o.box)
        boxes.push({
          key: `${i.type}:${i.value}:${n}`,
          box: o.box,
          label: `${i.type} ${i.value}`,
          kind: 'indicator',
        });
    });
  hits.forEach((h, n) => {
    if (h.box) boxes.push({ key: `term:${n}`, box: h.box, label: h.term, kind: 'term' });
  });
  return (
    <Box>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {t('indicators.overlayNote')}
      </Typography>
      <Box dir="ltr" sx={{ maxHeight: '70vh', overflow: 'auto', border: 1, borderColor: 'divider' }}>
        <OverlayFrame width={width} top={top} boxes={boxes}>
          <SensitiveImage
            resourceId={resourceId}
            sha256={shot.sha256}
            sensitive={sensitive}
            alt={t('resource.screenshot')}
            imgStyle={{ width: '100%', height: 'auto', display: 'block' }}
          />
        </OverlayFrame>
      </Box>
    </Box>
  );
}

type OverlayBox = { key: string; box: IndicatorBox; label: string; kind: 'indicator' | 'term' };

/**
 * Places the boxes over the image inside `children`: the layer is measured from the rendered
 * <img> (its offset and width, again on load and resize), so a banner above the image or any zoom
 * keeps the boxes on the pixels they name. Boxes are in screenshot pixels; `width` is the image's.
 */
function OverlayFrame({
  width,
  top,
  boxes,
  children,
}: Readonly<{ width: number; top: number; boxes: readonly OverlayBox[]; children: ReactNode }>) {
  const frame = useRef<HTMLDivElement | null>(null);
  const [place, setPlace] = useState<{ left: number; top: number; scale: number } | null>(null);
  useEffect(() => {
    const root = frame.current;
    if (root === null) return;
    const measure = () => {
      const img = root.querySelector('img');
      if (img === null || img.clientWidth === 0) return setPlace(null);
      setPlace({ left: img.offsetLeft, top: img.offsetTop, scale: img.clientWidth / width });
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(root);
    root.addEventListener('load', measure, true);
    return () => {
      observer.disconnect();
      root.removeEventListener('load', measure, true);
    };
  }, [width]);
  return (
    <Box ref={frame} sx={{ position: 'relative' }} data-testid="indicator-overlay">
      {children}
      {place === null
        ? null
        : boxes.map((b) => (
            <Box
              key={b.key}
              title={b.label}
              data-testid="indicator-box"
              // Inline style, not sx: the RTL style plugin would mirror `left` in Arabic, and the
              // screenshot's pixels do not mirror.
              style={{
                position: 'absolute',
                left: place.left + b.box.x * place.scale,
                top: place.top + (b.box.y - top) * place.scale,
                width: b.box.w * place.scale,
                height: b.box.h * place.scale,
                pointerEvents: 'none',
              }}
              sx={{ outline: '3px solid', outlineColor: b.kind === 'term' ? 'warning.main' : 'error.main' }}
            />
          ))}
    </Box>
  );
}

function HighlightedText({
  capture,
  indicators,
  hits,
}: Readonly<{
  capture: CaptureRecord;
  indicators: readonly ResourceIndicator[];
  hits: readonly CodedTermHit[];
}>) {
  const { t } = useI18n();
  const text = useArtifactText(capture.artifacts.find((a) => a.kind === 'text')?.sha256);
  if (text === null) return <LoadingView />;
  if (text.failed || text.text === null) return <Alert severity="warning">{t('common.notAvailable')}</Alert>;
  const spans = [
    ...indicators.flatMap((i) =>
      i.occurrences
        .filter((o) => o.artifact === 'text')
        .map((o) => ({ offset: o.offset, length: o.length, term: false })),
    ),
    ...hits.map((h) => ({ offset: h.offset, length: h.length, term: true })),
  ].sort((a, b) => a.offset - b.offset);
  const parts: ReactNode[] = [];
  let at = 0;
  for (const s of spans) {
    if (s.offset < at || s.offset + s.length > text.text.length) continue;
    parts.push(text.text.slice(at, s.offset));
    parts.push(
      <Box
        component="mark"
        key={s.offset}
        data-testid="indicator-highlight"
        sx={{ bgcolor: s.term ? 'warning.light' : 'error.light', px: 0.25 }}
      >
        {text.text.slice(s.offset, s.offset + s.length)}
      </Box>,
    );
    at = s.offset + s.length;
  }
  parts.push(text.text.slice(at));
  return (
    <Stack spacing={1}>
      <Box
        component="pre"
        dir="auto"
        data-testid="indicators-text"
        sx={{
          whiteSpace: 'pre-wrap',
          overflowWrap: 'anywhere',
          maxHeight: 480,
          overflow: 'auto',
          m: 0,
          fontSize: 13,
        }}
      >
        {parts}
      </Box>
      {text.truncated ? <Button disabled>…</Button> : null}
    </Stack>
  );
}
