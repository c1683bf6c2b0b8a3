import {
  Checkbox,
  Chip,
  Radio,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';

export function CaptureHistory({
  captures,
  selected,
  onSelect,
  compare,
  onCompare,
}: Readonly<{
  captures: readonly CaptureRecord[];
  selected: string | undefined;
  onSelect: (id: string) => void;
  compare: readonly string[];
  onCompare: (ids: readonly string[]) => void;
}>) {
  const { t, dateTime } = useI18n();
  const toggle = (id: string) => {
    const next = compare.includes(id) ? compare.filter((c) => c !== id) : [...compare, id].slice(-2);
    onCompare(next);
  };
  return (
    <>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {t('resource.compareHint')}
      </Typography>
      <Table size="small" data-testid="capture-history">
        <TableHead>
          <TableRow>
            <TableCell padding="checkbox" />
            <TableCell padding="checkbox">{t('resource.compare')}</TableCell>
            <TableCell>{t('resource.capturedAt')}</TableCell>
            <TableCell>{t('resource.outcome')}</TableCell>
            <TableCell>{t('resource.pageTitle')}</TableCell>
            <TableCell>{t('resource.context.operator')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {captures.map((c) => (
            <TableRow key={c.id} selected={c.id === selected} data-testid="capture-history-row">
              <TableCell padding="checkbox">
                <Radio
                  checked={c.id === selected}
                  onChange={() => onSelect(c.id)}
                  slotProps={{ input: { 'aria-label': dateTime(c.startedAt) } }}
                />
              </TableCell>
              <TableCell padding="checkbox">
                <Checkbox
                  checked={compare.includes(c.id)}
                  onChange={() => toggle(c.id)}
                  slotProps={{ input: { 'aria-label': `${t('resource.compare')} ${dateTime(c.startedAt)}` } }}
                  data-testid="compare-check"
                />
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{dateTime(c.startedAt)}</TableCell>
              <TableCell>
                <Chip
                  size="small"
                  variant="outlined"
                  label={t(`outcome.${c.outcome}`)}
                  color={c.outcome === 'complete' ? 'success' : c.outcome === 'partial' ? 'warning' : 'error'}
                />
                {c.tampered ? (
                  <Chip
                    size="small"
                    color="error"
                    label={t('resource.tampered')}
                    data-testid="capture-tampered-chip"
                    sx={{ ml: 0.5 }}
                  />
                ) : null}
                {c.origin ? (
                  <Typography variant="caption" sx={{ display: 'block' }}>
                    {t('resource.imported')}
                  </Typography>
                ) : null}
              </TableCell>
              <TableCell sx={{ maxWidth: 280, overflowWrap: 'anywhere' }}>
                <bdi>{c.page.title}</bdi>
              </TableCell>
              <TableCell>
                <LtrText>{c.context.operator}</LtrText>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </>
  );
}
