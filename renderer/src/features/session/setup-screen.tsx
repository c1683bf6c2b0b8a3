import { Box, Button, Paper, Stack, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { CaPassphrase } from '@shared/contract/methods/users';
import { UserName } from '@shared/domain/users';
import { useAction } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { useI18n } from '@renderer/i18n/i18n-context';
import type { TsaChoiceInput } from '@shared/contract/methods/custody';
import { EMPTY_TSA_DRAFT, TsaChoiceFields, tsaChoiceOf, type TsaDraft } from '../settings/tsa-choice-fields';
import { LanguagePicker } from './language-picker';

export function SetupScreen({ onDone }: Readonly<{ onDone: () => void }>) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  // First run chooses the CA passphrase: it seals the local CA's key (needed again only to issue or
  // revoke certificates), so it is asked for here, apart from the administrator's own password.
  const [caPassphrase, setCaPassphrase] = useState('');
  const [caRepeat, setCaRepeat] = useState('');
  const [touched, setTouched] = useState(false);
  // The time-stamp authority is asked at first run; "decide later" keeps the dashboard's warning.
  const [tsa, setTsa] = useState<TsaDraft>(EMPTY_TSA_DRAFT);
  const [adminMade, setAdminMade] = useState(false);
  const choose = useAction((c, choice: TsaChoiceInput) => c.call('timestamps.choose', choice));
  const setup = useAction((c, n: string, d: string, p: string, ca: string) =>
    c.call(
      'session.setupAdmin',
      d === ''
        ? { name: n, password: p, caPassphrase: ca }
        : { name: n, displayName: d, password: p, caPassphrase: ca },
    ),
  );
  const nameOk = UserName.safeParse(name).success;
  const passwordOk = password.length >= 10;
  const same = password === repeat;
  const caOk = CaPassphrase.safeParse(caPassphrase).success;
  const caSame = caPassphrase === caRepeat;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    const choice = tsaChoiceOf(tsa);
    if (!nameOk || !passwordOk || !same || !caOk || !caSame || choice === 'invalid') return;
    const user = await setup.run(name, displayName.trim(), password, caPassphrase);
    if (user === undefined) return;
    setAdminMade(true);
    // The new administrator is signed in by setupAdmin, so the choice is theirs and is recorded as such.
    if (choice !== null && (await choose.run(choice)) === undefined) return;
    onDone();
  };
  return (
    <Box sx={{ minHeight: '100vh', display: 'grid', placeItems: 'center', p: 2 }}>
      <Paper
        component="form"
        noValidate
        onSubmit={(e) => void submit(e)}
        sx={{ p: 4, width: 'min(520px, 100%)' }}
        data-testid="setup-form"
      >
        <Stack spacing={2}>
          <Box sx={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 2 }}>
            <Typography variant="h5" component="h1">
              {t('auth.setupTitle')}
            </Typography>
            <LanguagePicker />
          </Box>
          <Typography color="text.secondary">{t('auth.setupIntro')}</Typography>
          <TextField
            label={t('auth.userName')}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={touched && !nameOk}
            helperText={t('auth.nameRule')}
            required
            autoFocus
            slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'setup-name' } }}
          />
          <TextField
            label={t('auth.displayName')}
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'setup-display-name' } }}
          />
          <TextField
            label={t('auth.password')}
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={touched && !passwordOk}
            helperText={t('auth.passwordTooShort')}
            autoComplete="new-password"
            required
            slotProps={{ htmlInput: { 'data-testid': 'setup-password' } }}
          />
          <TextField
            label={t('auth.confirmPassword')}
            type="password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            error={touched && !same}
            helperText={touched && !same ? t('auth.passwordsDiffer') : ' '}
            autoComplete="new-password"
            required
            slotProps={{ htmlInput: { 'data-testid': 'setup-password-repeat' } }}
          />
          <TextField
            label={t('auth.caPassphrase')}
            type="password"
            value={caPassphrase}
            onChange={(e) => setCaPassphrase(e.target.value)}
            error={touched && !caOk}
            helperText={t('auth.caPassphraseHelp')}
            autoComplete="new-password"
            required
            slotProps={{ htmlInput: { 'data-testid': 'setup-ca-passphrase' } }}
          />
          <TextField
            label={t('auth.caPassphraseRepeat')}
            type="password"
            value={caRepeat}
            onChange={(e) => setCaRepeat(e.target.value)}
            error={touched && !caSame}
            helperText={touched && !caSame ? t('auth.caPassphrasesDiffer') : ' '}
            autoComplete="new-password"
            required
            slotProps={{ htmlInput: { 'data-testid': 'setup-ca-passphrase-repeat' } }}
          />
          <Typography variant="subtitle1" component="h2">
            {t('tsa.title')}
          </Typography>
          <TsaChoiceFields
            draft={tsa}
            onChange={setTsa}
            allowLater
            showInvalid={touched}
            disabled={adminMade}
          />
          {setup.error ? <ErrorView error={setup.error} /> : null}
          {choose.error ? <ErrorView error={choose.error} /> : null}
          {adminMade ? (
            <Button variant="outlined" onClick={onDone} data-testid="setup-continue">
              {t('tsa.continueLater')}
            </Button>
          ) : (
            <Button type="submit" variant="contained" disabled={setup.pending} data-testid="setup-submit">
              {t('auth.createAdmin')}
            </Button>
          )}
        </Stack>
      </Paper>
    </Box>
  );
}
