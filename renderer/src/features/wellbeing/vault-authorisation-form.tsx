import { Box, Button, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import { useAction } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * The administrator grants or withdraws a user's `csam_authorised` authorisation (the only way to
 * read the restricted vault). It sits beside the user's role, so an authorised reviewer keeps every
 * reviewer permission; each change needs a reason and is a custody event.
 */
export function VaultAuthorisationForm() {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [reason, setReason] = useState('');
  const change = useAction(async (c, authorised: boolean) => {
    await c.call('vault.authorise', { name: name.trim(), authorised, reason: reason.trim() });
    return { name: name.trim(), authorised };
  });
  const ready = name.trim() !== '' && reason.trim().length >= 3 && !change.pending;
  const run = async (authorised: boolean) => {
    const done = await change.run(authorised);
    if (done !== undefined) setReason('');
  };
  return (
    <Box data-testid="vault-authorisation" sx={{ mt: 2 }}>
      <Typography variant="subtitle2" sx={{ mb: 1 }}>
        {t('vault.authTitle')}
      </Typography>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center' }}>
        <TextField
          size="small"
          label={t('vault.user')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'vault-auth-user' } }}
        />
        <TextField
          size="small"
          label={t('vault.reason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          sx={{ minWidth: 280 }}
          slotProps={{ htmlInput: { maxLength: 2000, 'data-testid': 'vault-auth-reason' } }}
        />
        <Button
          variant="outlined"
          color="warning"
          disabled={!ready}
          onClick={() => void run(true)}
          data-testid="vault-auth-grant"
        >
          {t('vault.grant')}
        </Button>
        <Button
          variant="outlined"
          disabled={!ready}
          onClick={() => void run(false)}
          data-testid="vault-auth-withdraw"
        >
          {t('vault.withdraw')}
        </Button>
      </Box>
      {change.result ? (
        <Typography variant="body2" color="success.main" sx={{ mt: 1 }} data-testid="vault-auth-done">
          {t(change.result.authorised ? 'vault.granted' : 'vault.withdrawn', { name: change.result.name })}
        </Typography>
      ) : null}
      {change.error ? <ErrorView error={change.error} /> : null}
    </Box>
  );
}
