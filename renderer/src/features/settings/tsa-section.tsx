import { Alert, Box, Button, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import type { TsaChoiceInput } from '@shared/contract/methods/custody';
import { useAction, useQuery } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';
import { EMPTY_TSA_DRAFT, TsaChoiceFields, tsaChoiceOf, type TsaDraft } from './tsa-choice-fields';

/**
 * The time-stamp authority (issue "Time"): what is chosen now, and for an administrator the form that
 * changes it through `timestamps.choose` — the same answer as `vigil settings tsa`, recorded in the
 * custody log either way.
 */
export function TsaSection({
  isAdmin,
  onChosen,
}: Readonly<{
  isAdmin: boolean;
  /** Other sections re-read the settings the choice changed. */ onChosen?: () => void;
}>) {
  const { t } = useI18n();
  const status = useQuery('timestamps.status', {});
  const [draft, setDraft] = useState<TsaDraft>({ ...EMPTY_TSA_DRAFT, mode: 'authority' });
  const [tried, setTried] = useState(false);
  const choose = useAction((c, choice: TsaChoiceInput) => c.call('timestamps.choose', choice));
  const tsa = status.data?.tsa;

  const save = async () => {
    setTried(true);
    const choice = tsaChoiceOf(draft);
    if (choice === null || choice === 'invalid') return;
    const saved = await choose.run(choice);
    if (saved !== undefined) {
      setTried(false);
      status.reload();
      onChosen?.();
    }
  };

  return (
    <SectionCard title={t('tsa.title')} testId="settings-tsa">
      {status.error ? <ErrorView error={status.error} onRetry={status.reload} /> : null}
      {tsa ? (
        <Box sx={{ mb: 2 }} data-testid="tsa-current">
          {tsa.status === 'authority' ? (
            <Typography variant="body2">
              {t('tsa.current.authority')} <LtrText mono>{tsa.url ?? ''}</LtrText>
              {tsa.qualified ? ` · ${t('tsa.current.qualified')}` : ''}
              {tsa.policyOid !== null ? (
                <>
                  {' · '}
                  {t('tsa.current.policy')} <LtrText mono>{tsa.policyOid}</LtrText>
                </>
              ) : null}
            </Typography>
          ) : (
            <Alert severity="warning">{t(`tsa.current.${tsa.status}`)}</Alert>
          )}
        </Box>
      ) : null}
      {isAdmin ? (
        <Stack spacing={2}>
          <TsaChoiceFields draft={draft} onChange={setDraft} allowLater={false} showInvalid={tried} />
          <Box>
            <Button
              variant="contained"
              data-testid="tsa-save"
              onClick={() => void save()}
              disabled={choose.pending}
            >
              {t('tsa.save')}
            </Button>
          </Box>
          {choose.error ? <ErrorView error={choose.error} /> : null}
          {choose.result !== undefined && !tried ? (
            <Alert severity="success" data-testid="tsa-saved">
              {t('common.saved')}
            </Alert>
          ) : null}
        </Stack>
      ) : (
        <Alert severity="info">{t('settings.adminOnly')}</Alert>
      )}
    </SectionCard>
  );
}
