import InboxIcon from '@mui/icons-material/Inbox';
import { Box, Typography } from '@mui/material';

export function EmptyView({ text, testId = 'empty' }: Readonly<{ text: string; testId?: string }>) {
  return (
    <Box
      data-testid={testId}
      sx={{ display: 'flex', alignItems: 'center', gap: 1.5, p: 3, color: 'text.secondary' }}
    >
      <InboxIcon />
      <Typography>{text}</Typography>
    </Box>
  );
}
