import { Box, Button, Paper, Stack, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useAction } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { useI18n } from '@renderer/i18n/i18n-context';
import { LanguagePicker } from './language-picker';

export function SignInScreen({ onSignedIn }: Readonly<{ onSignedIn: () => void }>) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const signIn = useAction((c, n: string, p: string) => c.call('session.signIn', { name: n, password: p }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const user = await signIn.run(name.trim(), password);
    if (user !== undefined) {
      setPassword('');
      onSignedIn();
    }
  };
  return (
    <Box sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2 }}>
      <Paper
        component="form"
        onSubmit={(e) => void submit(e)}
        sx={{ p: 4, width: 'min(420px, 100%)' }}
        data-testid="sign-in-form"
      >
        <Stack spacing={2}>
          <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 2 }}>
            <Typography variant="h5" component="h1">
              {t('auth.signInTitle')}
            </Typography>
            <LanguagePicker />
          </Box>
          <Typography color="text.secondary">{t('app.tagline')}</Typography>
          <TextField
            label={t('auth.userName')}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="username"
            autoFocus
            required
            slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'sign-in-name' } }}
          />
          <TextField
            label={t('auth.password')}
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
            required
            slotProps={{ htmlInput: { 'data-testid': 'sign-in-password' } }}
          />
          {signIn.error ? <ErrorView error={signIn.error} /> : null}
          <Button type="submit" variant="contained" disabled={signIn.pending} data-testid="sign-in-submit">
            {t('auth.signIn')}
          </Button>
        </Stack>
      </Paper>
    </Box>
  );
}
