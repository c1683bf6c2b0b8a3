import {
  Alert,
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  MenuItem,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import type { Settings } from '@shared/contract/methods/workspace';
import { useAction, useQuery } from '@renderer/api/api-context';
import type { ThemeChoice } from '@renderer/app/theme-root';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';
import { LanguagePicker } from '../session/language-picker';
import { ExposureSection } from '../wellbeing/exposure-section';
import { useSession } from '../session/session-context';
import { BasisSection } from './basis-section';
import { RestrictedCaptureSection } from './restricted-capture-section';
import { TrustedCasSection } from './trusted-cas-section';
import { TsaSection } from './tsa-section';
import { UsersSection } from './users-section';

type Draft = Pick<
  Settings,
  | 'tsaUrl'
  | 'blurAllMedia'
  | 'freshnessHours'
  | 'theme'
  | 'allowPrivateNetwork'
  | 'timeServer'
  | 'clockOffsetThresholdMs'
  | 'egressEndpoint'
  | 'signInLockoutAfter'
>;

export function SettingsScreen({ onTheme }: Readonly<{ onTheme: (choice: ThemeChoice) => void }>) {
  const { t, number } = useI18n();
  const { user, status } = useSession();
  const isAdmin = user.role === 'admin';
  const settings = useQuery('settings.get', {});
  const profiles = useQuery('profiles.list', {});
  const [draft, setDraft] = useState<Draft | null>(null);
  const update = useAction((c, patch: Partial<Settings>) => c.call('settings.update', patch));
  const shown: Draft | null = draft ?? settings.data ?? null;

  const save = async () => {
    if (draft === null) return;
    // The time-stamp authority is changed only through its own section (`timestamps.choose`, with its
    // trust anchor): a save here must never write back a TSA choice read before that section saved.
    const {
      tsaUrl: _tsaUrl,
      tsaChoice: _tsaChoice,
      tsaCaPem: _tsaCaPem,
      tsaQualified: _tsaQualified,
      tsaPolicyOid: _tsaPolicyOid,
      ...patch
    } = draft as Partial<Settings>;
    const saved = await update.run(patch);
    if (saved !== undefined) {
      setDraft(null);
      settings.reload();
    }
  };

  return (
    <Box data-testid="screen-settings">
      <Typography variant="h4" component="h1" sx={{ mb: 2 }}>
        {t('settings.title')}
      </Typography>
      <Stack spacing={2}>
        <SectionCard title={t('settings.workstation')}>
          <Stack spacing={2}>
            <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center' }}>
              <LanguagePicker
                onChange={(language) => (isAdmin ? void update.run({ language }) : undefined)}
              />
              <TextField
                select
                size="small"
                label={t('settings.theme')}
                value={shown?.theme ?? 'light'}
                onChange={(e) => {
                  const theme = e.target.value as ThemeChoice;
                  onTheme(theme);
                  if (shown) setDraft({ ...shown, theme });
                }}
                sx={{ minWidth: 140 }}
              >
                {(['light', 'dark', 'system'] as const).map((m) => (
                  <MenuItem key={m} value={m}>
                    {t(`settings.theme.${m}`)}
                  </MenuItem>
                ))}
              </TextField>
              <Typography variant="body2" color="text.secondary">
                <LtrText>{`${status.app.name} ${status.app.version}`}</LtrText>
              </Typography>
            </Box>
            {settings.error ? <ErrorView error={settings.error} onRetry={settings.reload} /> : null}
            {settings.data === undefined && !settings.error ? <LoadingView /> : null}
            {shown ? (
              <>
                <TextField
                  label={t('settings.timeServer')}
                  value={shown.timeServer ?? ''}
                  placeholder={t('settings.timeServerNone')}
                  onChange={(e) =>
                    setDraft({ ...shown, timeServer: e.target.value === '' ? null : e.target.value })
                  }
                  disabled={!isAdmin}
                  data-testid="settings-time-server"
                  slotProps={{ htmlInput: { dir: 'ltr' } }}
                />
                <TextField
                  type="number"
                  label={t('settings.clockThreshold')}
                  value={shown.clockOffsetThresholdMs}
                  onChange={(e) =>
                    setDraft({
                      ...shown,
                      clockOffsetThresholdMs: Math.max(1, Math.round(Number(e.target.value))),
                    })
                  }
                  disabled={!isAdmin}
                  sx={{ maxWidth: 260 }}
                />
                <TextField
                  label={t('settings.egressEndpoint')}
                  value={shown.egressEndpoint ?? ''}
                  placeholder={t('settings.egressNone')}
                  onChange={(e) =>
                    setDraft({ ...shown, egressEndpoint: e.target.value === '' ? null : e.target.value })
                  }
                  disabled={!isAdmin}
                  data-testid="settings-egress-endpoint"
                  slotProps={{ htmlInput: { dir: 'ltr' } }}
                />
                <TextField
                  type="number"
                  label={t('settings.freshness')}
                  value={shown.freshnessHours}
                  onChange={(e) =>
                    setDraft({ ...shown, freshnessHours: Math.max(1, Math.round(Number(e.target.value))) })
                  }
                  disabled={!isAdmin}
                  sx={{ maxWidth: 260 }}
                />
                <TextField
                  type="number"
                  label={t('settings.signInLockoutAfter')}
                  helperText={t('settings.signInLockoutAfterHelp')}
                  value={shown.signInLockoutAfter}
                  onChange={(e) =>
                    setDraft({
                      ...shown,
                      // The contract's bounds (3–1000): fewer would lock users out on a typo or two.
                      signInLockoutAfter: Math.min(1000, Math.max(3, Math.round(Number(e.target.value)))),
                    })
                  }
                  disabled={!isAdmin}
                  sx={{ maxWidth: 360 }}
                  slotProps={{ htmlInput: { min: 3, max: 1000, 'data-testid': 'settings-lockout-after' } }}
                />
                <FormControlLabel
                  control={
                    <Checkbox
                      checked={shown.blurAllMedia}
                      onChange={(e) => setDraft({ ...shown, blurAllMedia: e.target.checked })}
                      disabled={!isAdmin}
                    />
                  }
                  label={t('settings.blurAll')}
                />
                <FormControlLabel
                  control={
                    <Checkbox
                      checked={shown.allowPrivateNetwork}
                      onChange={(e) => setDraft({ ...shown, allowPrivateNetwork: e.target.checked })}
                      disabled={!isAdmin}
                    />
                  }
                  data-testid="settings-allow-private"
                  label={t('settings.allowPrivate')}
                />
                {isAdmin ? (
                  <Box>
                    <Button
                      variant="contained"
                      data-testid="settings-save"
                      onClick={() => void save()}
                      disabled={draft === null || update.pending}
                    >
                      {t('common.save')}
                    </Button>
                  </Box>
                ) : (
                  <Alert severity="info">{t('settings.adminOnly')}</Alert>
                )}
                {update.error ? <ErrorView error={update.error} /> : null}
                {update.result && draft === null ? (
                  <Alert severity="success" data-testid="settings-saved">
                    {t('common.saved')}
                  </Alert>
                ) : null}
              </>
            ) : null}
          </Stack>
        </SectionCard>
        <TsaSection isAdmin={isAdmin} onChosen={settings.reload} />
        <UsersSection isAdmin={isAdmin} />
        <TrustedCasSection />
        <SectionCard title={t('settings.profiles')}>
          {profiles.error ? <ErrorView error={profiles.error} onRetry={profiles.reload} /> : null}
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>{t('settings.profile.name')}</TableCell>
                <TableCell>{t('settings.profile.viewport')}</TableCell>
                <TableCell>{t('resource.context.timeZone')}</TableCell>
                <TableCell>{t('resource.context.proxy')}</TableCell>
                <TableCell>{t('settings.profile.timeout')}</TableCell>
                <TableCell>{t('settings.profile.privateNetwork')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {profiles.data?.map((p) => (
                <TableRow key={p.name}>
                  <TableCell>
                    <LtrText mono>{p.name}</LtrText>
                  </TableCell>
                  <TableCell>
                    <LtrText>{`${p.viewport.width}×${p.viewport.height} @${p.viewport.deviceScaleFactor}`}</LtrText>
                  </TableCell>
                  <TableCell>
                    <LtrText>{p.timeZone}</LtrText>
                  </TableCell>
                  <TableCell>
                    <LtrText>{p.proxy ?? t('common.none')}</LtrText>
                  </TableCell>
                  <TableCell>{t('settings.profile.seconds', { count: number(p.timeoutSeconds) })}</TableCell>
                  <TableCell>{p.allowPrivateNetwork ? t('common.yes') : t('common.no')}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            {t('settings.contractGap')}
          </Typography>
        </SectionCard>
        <BasisSection isAdmin={isAdmin} />
        {isAdmin ? <ExposureSection /> : null}
        {isAdmin ? <RestrictedCaptureSection /> : null}
      </Stack>
    </Box>
  );
}
