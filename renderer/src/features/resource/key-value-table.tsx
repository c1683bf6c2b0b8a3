import { Table, TableBody, TableCell, TableRow } from '@mui/material';
import type { ReactNode } from 'react';

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
              sx={{ width: '30%', fontWeight: 600, verticalAlign: 'top' }}
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
