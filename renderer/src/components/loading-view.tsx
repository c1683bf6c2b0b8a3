import { Box, CircularProgress, Typography } from '@mui/material';
import { useI18n } from '../i18n/i18n-context';

export function LoadingView() {
  const { t } = useI18n();
  return (
    <Box
      role="status"
      data-testid="loading"
      sx={{ display: 'flex', alignItems: 'center', gap: 2, p: 3, color: 'text.secondary' }}
    >
      <CircularProgress size={20} />
      <Typography>{t('common.loading')}</Typography>
    </Box>
  );
}
