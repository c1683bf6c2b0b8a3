import { Box } from '@mui/material';
import { CopyButton } from './copy-button';
import { LtrText } from './ltr-text';

/** A SHA-256 (or any id) in monospace, left-to-right, with a copy button; `short` keeps the full value in the tooltip. */
export function HashText({ value, short = false }: Readonly<{ value: string; short?: boolean }>) {
  const shown = short && value.length > 20 ? `${value.slice(0, 12)}…${value.slice(-6)}` : value;
  return (
    <Box component="span" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.5, maxWidth: '100%' }}>
      <LtrText mono title={value}>
        <span style={{ fontSize: '0.85em' }}>{shown}</span>
      </LtrText>
      <CopyButton value={value} />
    </Box>
  );
}
