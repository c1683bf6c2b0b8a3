import TimerIcon from '@mui/icons-material/Timer';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useEvent, useQuery } from '@renderer/api/api-context';
import { useI18n } from '@renderer/i18n/i18n-context';
import { useSession } from '../session/session-context';

/**
 * The signed-in user's exposure today (the sum of their ended reveals, as the backend measured
 * them), refreshed whenever one of their reveals ends. At the soft limit it asks for a break, once
 * per time the app bar mounts (a sign-in); the counter stays visible either way.
 */
export function ExposureCounter() {
  const { t, duration } = useI18n();
  const { user } = useSession();
  const exposure = useQuery('exposure.mine', {});
  const [dismissed, setDismissed] = useState(false);
  useEvent('audit.appended', (row) => {
    if (row.action === 'media.reveal-ended' && row.actor === user.name) exposure.reload();
  });
  const data = exposure.data;
  if (data === undefined) return null;
  const time = duration(data.revealedMs);
  const limit = duration(data.softLimitMs);
  return (
    <>
      <Tooltip title={t('wellbeing.exposureHint', { limit })}>
        <Box
          sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}
          data-testid="exposure-counter"
          data-revealed-ms={data.revealedMs}
          data-over-limit={data.overLimit ? 'true' : 'false'}
        >
          <TimerIcon fontSize="small" />
          <Typography variant="body2" noWrap>
            {t('wellbeing.exposureToday', { time })}
          </Typography>
        </Box>
      </Tooltip>
      <Dialog
        open={data.overLimit && !dismissed}
        onClose={() => setDismissed(true)}
        data-testid="break-prompt"
      >
        <DialogTitle>{t('wellbeing.breakTitle')}</DialogTitle>
        <DialogContent>
          <Typography>{t('wellbeing.breakBody', { time, limit })}</Typography>
        </DialogContent>
        <DialogActions>
          <Button variant="contained" onClick={() => setDismissed(true)} data-testid="break-ok">
            {t('wellbeing.breakOk')}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
