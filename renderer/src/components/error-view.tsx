import { Alert, AlertTitle, Box, Button, Collapse } from '@mui/material';
import { useState } from 'react';
import type { AppError } from '@shared/errors/app-error';
import { useI18n } from '../i18n/i18n-context';

/** A translated error with the raw code, backend message and details behind an expander. */
export function ErrorView({ error, onRetry }: Readonly<{ error: AppError; onRetry?: () => void }>) {
  const { t, errorText } = useI18n();
  const [open, setOpen] = useState(false);
  const details = error.details === undefined ? null : JSON.stringify(error.details, null, 2);
  return (
    <Alert
      severity="error"
      data-testid="error-view"
      data-error-code={error.code}
      action={
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button color="inherit" size="small" onClick={() => setOpen((v) => !v)} aria-expanded={open}>
            {open ? t('common.hideDetails') : t('common.details')}
          </Button>
          {error.code === 'auth.not-signed-in' ? (
            // The session ended under the user (signed out elsewhere, or disabled by an administrator):
            // reloading asks the workstation again and lands on the sign-in screen.
            <Button
              color="inherit"
              size="small"
              onClick={() => window.location.reload()}
              data-testid="error-sign-in"
            >
              {t('auth.signIn')}
            </Button>
          ) : onRetry ? (
            <Button color="inherit" size="small" onClick={onRetry}>
              {t('common.retry')}
            </Button>
          ) : null}
        </Box>
      }
    >
      <AlertTitle>{errorText(error.code)}</AlertTitle>
      <Collapse in={open} unmountOnExit>
        <Box component="dl" sx={{ m: 0, '& dt': { fontWeight: 600 }, '& dd': { m: 0, mb: 1 } }}>
          <dt>{t('common.code')}</dt>
          <dd>
            <bdi dir="ltr" style={{ fontFamily: 'monospace' }}>
              {error.code}
            </bdi>
          </dd>
          <dt>{t('common.backendMessage')}</dt>
          <dd>
            <bdi>{error.message}</bdi>
          </dd>
          {details !== null ? (
            <>
              <dt>{t('common.details')}</dt>
              <dd>
                <Box
                  component="pre"
                  dir="ltr"
                  sx={{ m: 0, maxHeight: 240, overflow: 'auto', fontSize: 12, whiteSpace: 'pre-wrap' }}
                >
                  {details}
                </Box>
              </dd>
            </>
          ) : null}
        </Box>
      </Collapse>
    </Alert>
  );
}
