import { Paper, Typography } from '@mui/material';
import type { ReactNode } from 'react';

export function SectionCard({
  title,
  children,
  testId,
  action,
}: Readonly<{ title: string; children: ReactNode; testId?: string; action?: ReactNode }>) {
  return (
    <Paper variant="outlined" sx={{ p: 2, minWidth: 0 }} data-testid={testId} component="section">
      <Typography
        variant="h6"
        component="h2"
        sx={{ mb: 1.5, display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: 1 }}
      >
        <span>{title}</span>
        {action}
      </Typography>
      {children}
    </Paper>
  );
}
