import {
  Alert,
  Box,
  Button,
  Chip,
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { ROLES, UserName } from '@shared/domain/users';
import type { Role, User } from '@shared/domain/users';
import { useAction, useQuery } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { HashText } from '@renderer/components/hash-text';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';
import { useSession } from '../session/session-context';

type Change = Readonly<{ name: string; role?: Role; disabled?: boolean }>;

/** The CA passphrase goes with the one action that needs it, and only when the admin typed one. */
const withCa = <T extends object>(input: T, caPassphrase: string): T | (T & { caPassphrase: string }) =>
  caPassphrase === '' ? input : { ...input, caPassphrase };

export function UsersSection({ isAdmin }: Readonly<{ isAdmin: boolean }>) {
  const { t } = useI18n();
  const { user: me } = useSession();
  const users = useQuery('users.list', {});
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('investigator');
  const [password, setPassword] = useState('');
  const [tried, setTried] = useState(false);
  const [caPassphrase, setCaPassphrase] = useState('');
  const add = useAction((c, input: { name: string; displayName: string; role: Role; password: string }) =>
    c.call(
      'users.add',
      withCa(
        input.displayName === '' ? { name: input.name, role: input.role, password: input.password } : input,
        caPassphrase,
      ),
    ),
  );
  const update = useAction((c, change: Change) => c.call('users.update', withCa(change, caPassphrase)));
  const unlock = useAction((c, who: string) => c.call('users.unlock', { name: who }));
  const unlockUser = async (who: string) => {
    add.reset();
    update.reset();
    await unlock.run(who);
    users.reload();
  };
  const nameOk = UserName.safeParse(name).success;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (!nameOk || password.length < 10) return;
    update.reset();
    const user = await add.run({ name, displayName: displayName.trim(), role, password });
    if (user !== undefined) {
      setName('');
      setDisplayName('');
      setPassword('');
      setTried(false);
      users.reload();
    }
  };
  const change = async (c: Change) => {
    add.reset();
    await update.run(c);
    // Reload after a refusal too: another administrator may have changed the row meanwhile.
    users.reload();
  };
  const editable = (u: User) => isAdmin && u.name !== me.name;

  return (
    <SectionCard title={t('settings.users')} testId="settings-users">
      {users.error ? <ErrorView error={users.error} onRetry={users.reload} /> : null}
      {isAdmin ? (
        <TextField
          size="small"
          type="password"
          label={t('auth.caPassphrase')}
          value={caPassphrase}
          onChange={(e) => setCaPassphrase(e.target.value)}
          helperText={t('settings.caPassphraseHelp')}
          autoComplete="off"
          sx={{ mb: 2, width: 'min(520px, 100%)' }}
          slotProps={{ htmlInput: { 'data-testid': 'users-ca-passphrase' } }}
        />
      ) : null}
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('auth.userName')}</TableCell>
              <TableCell>{t('auth.displayName')}</TableCell>
              <TableCell>{t('settings.role')}</TableCell>
              <TableCell>{t('settings.status')}</TableCell>
              <TableCell>{t('settings.certificate')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {users.data?.map((u) => (
              <TableRow
                key={u.id}
                data-testid="user-row"
                data-name={u.name}
                data-role={u.role}
                data-disabled={String(u.disabled)}
                data-locked={String(u.locked === true)}
              >
                <TableCell>
                  <LtrText mono>{u.name}</LtrText>
                  {u.name === me.name ? (
                    <Typography component="span" variant="body2" color="text.secondary">
                      {` (${t('settings.you')})`}
                    </Typography>
                  ) : null}
                </TableCell>
                <TableCell>
                  <bdi>{u.displayName}</bdi>
                </TableCell>
                <TableCell>
                  {editable(u) ? (
                    <TextField
                      select
                      size="small"
                      variant="standard"
                      value={u.role}
                      disabled={update.pending}
                      onChange={(e) => void change({ name: u.name, role: e.target.value as Role })}
                      slotProps={{
                        htmlInput: { 'aria-label': `${t('settings.role')}: ${u.name}` },
                        select: { inputProps: { 'data-testid': `user-role-${u.name}` } },
                      }}
                      sx={{ minWidth: 160, '& .MuiInputBase-root': { fontSize: 'inherit' } }}
                    >
                      {ROLES.map((r) => (
                        <MenuItem key={r} value={r} data-testid={`role-option-${r}`}>
                          {t(`role.${r}`)}
                        </MenuItem>
                      ))}
                    </TextField>
                  ) : (
                    t(`role.${u.role}`)
                  )}
                </TableCell>
                <TableCell>
                  <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
                    <Chip
                      size="small"
                      color={u.disabled ? 'default' : 'success'}
                      variant={u.disabled ? 'filled' : 'outlined'}
                      label={u.disabled ? t('settings.disabled') : t('settings.enabled')}
                    />
                    {u.locked === true ? (
                      <Chip
                        size="small"
                        color="error"
                        label={t('settings.locked')}
                        data-testid={`user-locked-${u.name}`}
                      />
                    ) : null}
                    {isAdmin && u.locked === true ? (
                      <Button
                        size="small"
                        color="primary"
                        disabled={unlock.pending}
                        onClick={() => void unlockUser(u.name)}
                        data-testid={`user-unlock-${u.name}`}
                      >
                        {t('settings.unlock')}
                      </Button>
                    ) : null}
                    {editable(u) ? (
                      <Button
                        size="small"
                        color={u.disabled ? 'primary' : 'warning'}
                        disabled={update.pending}
                        onClick={() => void change({ name: u.name, disabled: !u.disabled })}
                        data-testid={`user-toggle-${u.name}`}
                      >
                        {u.disabled ? t('settings.enable') : t('settings.disable')}
                      </Button>
                    ) : null}
                  </Box>
                </TableCell>
                <TableCell>
                  <HashText value={u.certificateSha256} short />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      {isAdmin ? (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
          {t('settings.roleNote')}
        </Typography>
      ) : null}
      {update.error ? <ErrorView error={update.error} /> : null}
      {unlock.error ? <ErrorView error={unlock.error} /> : null}
      {unlock.result ? (
        <Alert severity="success" sx={{ mt: 1 }} data-testid="user-unlocked">
          {t('settings.userUnlocked', { name: unlock.result.name })}
        </Alert>
      ) : null}
      {update.result ? (
        <Alert severity="success" sx={{ mt: 1 }} data-testid="user-updated">
          {t('settings.userUpdated', { name: update.result.name })}
        </Alert>
      ) : null}
      {isAdmin ? (
        <Box
          component="form"
          noValidate
          onSubmit={(e) => void submit(e)}
          sx={{
            display: 'grid',
            gap: 2,
            mt: 2,
            gridTemplateColumns: { xs: '1fr', md: 'repeat(4, minmax(0, 1fr)) auto' },
            alignItems: 'start',
          }}
          data-testid="add-user-form"
        >
          <TextField
            size="small"
            label={t('auth.userName')}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={tried && !nameOk}
            helperText={tried && !nameOk ? t('auth.nameRule') : ' '}
            slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'new-user-name' } }}
          />
          <TextField
            size="small"
            label={t('auth.displayName')}
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
            helperText=" "
          />
          <TextField
            select
            size="small"
            label={t('settings.role')}
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            helperText=" "
            slotProps={{ select: { inputProps: { 'data-testid': 'new-user-role' } } }}
          >
            {ROLES.map((r) => (
              <MenuItem key={r} value={r} data-testid={`role-option-${r}`}>
                {t(`role.${r}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            size="small"
            type="password"
            label={t('auth.password')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={tried && password.length < 10}
            helperText={tried && password.length < 10 ? t('auth.passwordTooShort') : ' '}
            autoComplete="new-password"
            slotProps={{ htmlInput: { 'data-testid': 'new-user-password' } }}
          />
          <Button type="submit" variant="contained" disabled={add.pending} data-testid="add-user">
            {t('settings.addUser')}
          </Button>
        </Box>
      ) : null}
      {add.error ? <ErrorView error={add.error} /> : null}
      {add.result ? (
        <Alert severity="success" sx={{ mt: 1 }} data-testid="user-added">
          {t('settings.userAdded', { name: add.result.name })}
        </Alert>
      ) : null}
    </SectionCard>
  );
}
