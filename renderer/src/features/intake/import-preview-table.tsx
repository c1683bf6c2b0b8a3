import { Chip, Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from '@mui/material';
import type { ImportLine } from '@shared/contract/methods/intake';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';

const SHOWN = 500;

export function ImportPreviewTable({ lines }: Readonly<{ lines: readonly ImportLine[] }>) {
  const { t, number } = useI18n();
  return (
    <TableContainer sx={{ maxHeight: 360 }} data-testid="import-preview">
      <Table size="small" stickyHeader>
        <TableHead>
          <TableRow>
            <TableCell>{t('intake.line')}</TableCell>
            <TableCell>{t('intake.url')}</TableCell>
            <TableCell>{t('intake.outcome')}</TableCell>
            <TableCell>{t('intake.reason')}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {lines.slice(0, SHOWN).map((line) => (
            <TableRow key={line.line}>
              <TableCell>{number(line.line)}</TableCell>
              <TableCell sx={{ maxWidth: 420, overflowWrap: 'anywhere' }}>
                <LtrText>{line.url}</LtrText>
              </TableCell>
              <TableCell>
                <Chip
                  size="small"
                  label={t(`intake.outcome.${line.outcome}`)}
                  color={
                    line.outcome === 'rejected' ? 'error' : line.outcome === 'merged' ? 'info' : 'success'
                  }
                  variant="outlined"
                />
              </TableCell>
              <TableCell>{line.reason ?? ''}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
