import {
  Box,
  Button,
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import type { Settings } from '@shared/contract/methods/workspace';
import { useAction, useQuery } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';
import { VaultAuthorisationForm } from './vault-authorisation-form';

/** The administrator's view of reviewer exposure: revealed time per user per UTC day. */
export function ExposureSection() {
  const { t, duration, number } = useI18n();
  const rows = useQuery('exposure.list', {});
  const settings = useQuery('settings.get', {});
  const [limit, setLimit] = useState<string | null>(null);
  const [policy, setPolicy] = useState<NonNullable<Settings['csamPolicy']> | null>(null);
  const save = useAction((c, patch: Partial<Settings>) => c.call('settings.update', patch));
  const shownLimit = limit ?? String(settings.data?.exposureSoftLimitMinutes ?? 240);
  const shownPolicy = policy ?? settings.data?.csamPolicy ?? 'hashes-only';
  const minutes = Number(shownLimit);
  const valid = Number.isInteger(minutes) && minutes >= 1 && minutes <= 24 * 60;
  const onSave = async () => {
    const done = await save.run({ exposureSoftLimitMinutes: minutes, csamPolicy: shownPolicy });
    if (done !== undefined) {
      setLimit(null);
      setPolicy(null);
      settings.reload();
    }
  };
  return (
    <SectionCard title={t('wellbeing.adminTitle')} testId="exposure-admin">
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center', mb: 2 }}>
        <TextField
          size="small"
          type="number"
          label={t('wellbeing.softLimit')}
          value={shownLimit}
          error={!valid}
          onChange={(e) => setLimit(e.target.value)}
          sx={{ minWidth: 220 }}
          slotProps={{ htmlInput: { min: 1, max: 24 * 60, 'data-testid': 'exposure-soft-limit' } }}
        />
        <TextField
          size="small"
          select
          label={t('wellbeing.policy')}
          value={shownPolicy}
          onChange={(e) => setPolicy(e.target.value === 'vault' ? 'vault' : 'hashes-only')}
          sx={{ minWidth: 260 }}
        >
          <MenuItem value="hashes-only">{t('wellbeing.policy.hashesOnly')}</MenuItem>
          <MenuItem value="vault">{t('wellbeing.policy.vault')}</MenuItem>
        </TextField>
        <Button
          variant="outlined"
          onClick={() => void onSave()}
          disabled={!valid || save.pending || (limit === null && policy === null)}
          data-testid="wellbeing-save"
        >
          {t('common.save')}
        </Button>
      </Box>
      {save.error ? <ErrorView error={save.error} /> : null}
      <VaultAuthorisationForm />
      {rows.error ? <ErrorView error={rows.error} onRetry={rows.reload} /> : null}
      {rows.data?.length === 0 ? <EmptyView text={t('wellbeing.none')} /> : null}
      {rows.data !== undefined && rows.data.length > 0 ? (
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{t('wellbeing.day')}</TableCell>
              <TableCell>{t('wellbeing.user')}</TableCell>
              <TableCell>{t('wellbeing.reveals')}</TableCell>
              <TableCell>{t('wellbeing.revealed')}</TableCell>
              <TableCell>{t('wellbeing.open')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.data.map((r) => (
              <TableRow key={`${r.day}/${r.userName}`} data-testid="exposure-row" data-user={r.userName}>
                <TableCell>
                  <LtrText mono>{r.day}</LtrText>
                </TableCell>
                <TableCell>
                  <LtrText mono>{r.userName}</LtrText>
                </TableCell>
                <TableCell>{number(r.reveals)}</TableCell>
                <TableCell data-testid="exposure-row-ms" data-ms={r.revealedMs}>
                  {duration(r.revealedMs)}
                </TableCell>
                <TableCell>{number(r.open)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
    </SectionCard>
  );
}
