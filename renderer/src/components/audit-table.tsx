import { Box, Table, TableBody, TableCell, TableHead, TableRow } from '@mui/material';
import type { AuditRow } from '@shared/contract/methods/custody';
import { useI18n } from '../i18n/i18n-context';
import { HashText } from './hash-text';
import { LtrText } from './ltr-text';

/** Custody rows; `details` is arbitrary JSON from the backend and is shown as text. */
export function AuditTable({ rows }: Readonly<{ rows: readonly AuditRow[] }>) {
  const { t, dateTime, number } = useI18n();
  return (
    <Table size="small" data-testid="audit-table">
      <TableHead>
        <TableRow>
          <TableCell>{t('audit.seq')}</TableCell>
          <TableCell>{t('audit.at')}</TableCell>
          <TableCell>{t('audit.actor')}</TableCell>
          <TableCell>{t('audit.action')}</TableCell>
          <TableCell>{t('audit.subject')}</TableCell>
          <TableCell>{t('audit.details')}</TableCell>
          <TableCell>{t('audit.hash')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.seq} data-testid="audit-row" data-action={row.action}>
            <TableCell>{number(row.seq)}</TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>{dateTime(row.at)}</TableCell>
            <TableCell>
              <LtrText>{row.actor}</LtrText>
            </TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>
              <LtrText mono>{row.action}</LtrText>
            </TableCell>
            <TableCell sx={{ maxWidth: 220, overflowWrap: 'anywhere' }}>
              <LtrText mono>{row.subject}</LtrText>
            </TableCell>
            <TableCell sx={{ maxWidth: 320 }}>
              <Box
                component="code"
                dir="ltr"
                sx={{
                  display: 'block',
                  // 'start' of an LTR block is its left edge in RTL pages too (the RTL plugin flips 'left').
                  textAlign: 'start',
                  fontSize: 12,
                  whiteSpace: 'pre-wrap',
                  overflowWrap: 'anywhere',
                  maxHeight: 80,
                  overflow: 'auto',
                }}
              >
                {row.details === undefined || row.details === null ? '' : JSON.stringify(row.details)}
              </Box>
            </TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>
              <HashText value={row.hash} short />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
