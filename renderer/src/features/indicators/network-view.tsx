import { Box, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useState } from 'react';
import type { IndicatorNetwork } from '@shared/contract/methods/indicators';
import type { IndicatorType } from '@shared/domain/indicators';
import { useQuery } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';

const SIZE = 360;

/**
 * Positions for the graph: resources on an outer ring, indicators on an inner one, each indicator then
 * moved half way towards the resources holding it. Deterministic (same
 * network, same picture) and cheap for the few hundred nodes a cluster view shows.
 */
function layout(network: IndicatorNetwork): Map<string, { x: number; y: number }> {
  const pos = new Map<string, { x: number; y: number }>();
  const c = SIZE / 2;
  const ring = (ids: readonly string[], r: number) =>
    ids.forEach((id, i) => {
      const a = (2 * Math.PI * i) / Math.max(1, ids.length);
      pos.set(id, { x: c + r * Math.cos(a), y: c + r * Math.sin(a) });
    });
  ring(
    network.resources.map((r) => `r:${r.id}`),
    SIZE * 0.42,
  );
  ring(
    network.indicators.map((i) => `i:${i.type}:${i.value}`),
    SIZE * 0.18,
  );
  for (const ind of network.indicators) {
    const key = `i:${ind.type}:${ind.value}`;
    const holders = network.edges
      .filter((e) => e.type === ind.type && e.value === ind.value)
      .map((e) => pos.get(`r:${e.resourceId}`))
      .filter((p): p is { x: number; y: number } => p !== undefined);
    const p = pos.get(key);
    if (!p || holders.length === 0) continue;
    const mx = holders.reduce((s, h) => s + h.x, 0) / holders.length;
    const my = holders.reduce((s, h) => s + h.y, 0) / holders.length;
    // Half way between its place on the ring and its holders: near them, never on top of another indicator.
    pos.set(key, { x: (p.x + mx) / 2, y: (p.y + my) / 2 });
  }
  return pos;
}

/** The cluster of resources sharing indicators with this one: a graph, a table, and the holders of one indicator. */
export function NetworkView({ resourceId }: Readonly<{ resourceId: string }>) {
  const { t, number } = useI18n();
  const network = useQuery('indicators.network', { resourceId });
  const [chosen, setChosen] = useState<{ type: IndicatorType; value: string } | null>(null);
  if (network.data === undefined)
    return network.error ? <ErrorView error={network.error} onRetry={network.reload} /> : <LoadingView />;
  const data = network.data;
  if (data.indicators.length === 0) return <EmptyView text={t('indicators.none')} />;
  const pos = layout(data);
  return (
    <Box data-testid="network-view">
      <Box
        component="svg"
        viewBox={`0 0 ${SIZE} ${SIZE}`}
        sx={{ width: '100%', maxWidth: 480, display: 'block' }}
        role="img"
        aria-label={t('indicators.view.network')}
      >
        {data.edges.map((e) => {
          const a = pos.get(`r:${e.resourceId}`);
          const b = pos.get(`i:${e.type}:${e.value}`);
          return a && b ? (
            <line
              key={`${e.resourceId}:${e.type}:${e.value}`}
              x1={a.x}
              y1={a.y}
              x2={b.x}
              y2={b.y}
              stroke="#999"
              strokeWidth={1}
            />
          ) : null;
        })}
        {data.resources.map((r) => {
          const p = pos.get(`r:${r.id}`);
          return p ? (
            <circle
              key={r.id}
              cx={p.x}
              cy={p.y}
              r={r.id === resourceId ? 9 : 6}
              fill={r.state === 'blocked' || r.state === 'block_verified' ? '#c62828' : '#1565c0'}
            >
              <title>{r.url}</title>
            </circle>
          ) : null;
        })}
        {data.indicators.map((i) => {
          const p = pos.get(`i:${i.type}:${i.value}`);
          return p ? (
            <g
              key={`${i.type}:${i.value}`}
              onClick={() => setChosen({ type: i.type, value: i.value })}
              style={{ cursor: 'pointer' }}
              data-testid="network-indicator-node"
            >
              <rect x={p.x - 6} y={p.y - 6} width={12} height={12} fill="#ef6c00" />
              <text x={p.x + 8} y={p.y + 4} fontSize={9}>{`${i.type} (${i.resources})`}</text>
            </g>
          ) : null;
        })}
      </Box>
      {data.truncated ? <Typography variant="body2">{t('indicators.truncated')}</Typography> : null}
      <Table size="small" data-testid="network-table">
        <TableHead>
          <TableRow>
            <TableCell>{t('indicators.type')}</TableCell>
            <TableCell>{t('indicators.value')}</TableCell>
            <TableCell>{t('indicators.resources')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {data.indicators.map((i) => (
            <TableRow
              key={`${i.type}:${i.value}`}
              hover
              onClick={() => setChosen({ type: i.type, value: i.value })}
              sx={{ cursor: 'pointer' }}
              data-testid="network-indicator-row"
            >
              <TableCell>{i.type}</TableCell>
              <TableCell>
                <LtrText mono>{i.value}</LtrText>
              </TableCell>
              <TableCell>{number(i.resources)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {chosen ? <Holders type={chosen.type} value={chosen.value} /> : null}
    </Box>
  );
}

function Holders({ type, value }: Readonly<{ type: IndicatorType; value: string }>) {
  const { t, dateTime } = useI18n();
  const holders = useQuery('indicators.holders', { type, value });
  if (holders.data === undefined)
    return holders.error ? <ErrorView error={holders.error} onRetry={holders.reload} /> : <LoadingView />;
  return (
    <Table size="small" data-testid="indicator-holders" sx={{ mt: 2 }}>
      <TableHead>
        <TableRow>
          <TableCell>{t('indicators.resource')}</TableCell>
          <TableCell>{t('indicators.firstSeen')}</TableCell>
          <TableCell>{t('indicators.lastSeen')}</TableCell>
          <TableCell>{t('indicators.captures')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {holders.data.resources.map((r) => (
          <TableRow key={r.resourceId}>
            <TableCell>
              <LtrText mono>{r.url}</LtrText>
            </TableCell>
            <TableCell>{dateTime(r.firstSeen)}</TableCell>
            <TableCell>{dateTime(r.lastSeen)}</TableCell>
            <TableCell>{r.captures.map((c) => c.captureId).join(', ')}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
