import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { AppError } from '@shared/errors/app-error';
import { ErrorView } from '@renderer/components/error-view';
import { useI18n } from '@renderer/i18n/i18n-context';

/** Asks for the reviewer's password; it is handed to the backend once and dropped from state on close. */
export function SignDialog({
  open,
  pending,
  error,
  onSign,
  onClose,
}: Readonly<{
  open: boolean;
  pending: boolean;
  error: AppError | undefined;
  onSign: (password: string) => void;
  onClose: () => void;
}>) {
  const { t } = useI18n();
  const [password, setPassword] = useState('');
  const close = () => {
    setPassword('');
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSign(password);
    setPassword('');
  };
  return (
    <Dialog open={open} onClose={close} data-testid="sign-dialog" fullWidth maxWidth="sm">
      <form onSubmit={submit}>
        <DialogTitle>{t('review.signTitle')}</DialogTitle>
        <DialogContent>
          <DialogContentText sx={{ mb: 2 }}>{t('review.signIntro')}</DialogContentText>
          <TextField
            autoFocus
            fullWidth
            type="password"
            label={t('auth.password')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            slotProps={{ htmlInput: { 'data-testid': 'sign-password' } }}
          />
          {error ? <ErrorView error={error} /> : null}
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>{t('common.cancel')}</Button>
          <Button
            type="submit"
            variant="contained"
            disabled={pending || password === ''}
            data-testid="sign-submit"
          >
            {t('review.sign')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
