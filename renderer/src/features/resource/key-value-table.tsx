import { Table, TableBody, TableCell, TableRow } from '@mui/material';
import type { ReactNode } from 'react';

const LONG_LABEL = 32;

export type KeyValue = readonly [label: string, value: ReactNode];

export function KeyValueTable({ rows, testId }: Readonly<{ rows: readonly KeyValue[]; testId?: string }>) {
  return (
    <Table size="small" data-testid={testId}>
      <TableBody>
        {rows.map(([label, value]) => (
          <TableRow key={label}>
            <TableCell
              component="th"
              scope="row"
              sx={{
                width: '1%',
                fontWeight: 600,
                verticalAlign: 'top',
                // Header names break at their hyphens ("Content-\nType"); keep ordinary ones on one line,
                // and let a hostile, very long one wrap instead of pushing the value off the card.
                ...(label.length <= LONG_LABEL
                  ? { whiteSpace: 'nowrap' }
                  : { minWidth: '12rem', overflowWrap: 'anywhere' }),
              }}
            >
              {label}
            </TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}>{value}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
