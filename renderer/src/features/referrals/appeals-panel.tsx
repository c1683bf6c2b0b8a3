import { Box, Button, Stack, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { Appeal, AppealOutcome } from '@shared/domain/referral';
import { allowedAppealOutcomes } from '@shared/domain/referral';
import type { Role } from '@shared/domain/users';
import { useAction, useQuery } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { useI18n } from '@renderer/i18n/i18n-context';
import { SignDialog } from '../review/sign-dialog';

/**
 * Appeals against a block or removal: anyone signed in records a complaint (who, the text); a
 * reviewer upholds or lifts it with a signed decision (the same password dialog as the first
 * decision). Which outcomes show comes from APPEAL_RULES; the backend checks the same rules, and a
 * lift moves the resource to `lifted` and sends the lift notices.
 */
export function AppealsPanel({
  resourceId,
  role,
  onDecided,
}: Readonly<{ resourceId: string; role: Role; onDecided: () => void }>) {
  const { t } = useI18n();
  const list = useQuery('appeals.list', { resourceId });
  const [text, setText] = useState('');
  const [byName, setByName] = useState('');
  const add = useAction((c) =>
    c.call('appeals.add', { resourceId, text, byName: byName.trim() === '' ? null : byName }),
  );
  return (
    <Box data-testid="appeals-panel">
      {list.error ? <ErrorView error={list.error} onRetry={list.reload} /> : null}
      {list.data && list.data.length === 0 ? <EmptyView text={t('appeals.none')} /> : null}
      <Stack spacing={1.5}>
        {(list.data ?? []).map((a) => (
          <AppealRow
            key={a.id}
            appeal={a}
            role={role}
            onDecided={() => {
              list.reload();
              onDecided();
            }}
          />
        ))}
      </Stack>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ mt: 2, alignItems: 'flex-start' }}>
        <TextField
          size="small"
          multiline
          minRows={2}
          label={t('appeals.text')}
          value={text}
          onChange={(e) => setText(e.target.value)}
          sx={{ minWidth: 320 }}
          slotProps={{ htmlInput: { 'data-testid': 'appeal-text' } }}
        />
        <TextField
          size="small"
          label={t('appeals.by')}
          value={byName}
          onChange={(e) => setByName(e.target.value)}
          slotProps={{ htmlInput: { 'data-testid': 'appeal-by' } }}
        />
        <Button
          variant="outlined"
          data-testid="appeal-add"
          disabled={text.trim() === '' || add.pending}
          onClick={() =>
            void add.run().then((a) => {
              if (a === undefined) return;
              setText('');
              setByName('');
              list.reload();
            })
          }
        >
          {t('appeals.add')}
        </Button>
      </Stack>
      {add.error ? <ErrorView error={add.error} /> : null}
    </Box>
  );
}

function AppealRow({
  appeal: a,
  role,
  onDecided,
}: Readonly<{ appeal: Appeal; role: Role; onDecided: () => void }>) {
  const { t, dateTime } = useI18n();
  const [explanation, setExplanation] = useState('');
  const [signing, setSigning] = useState<AppealOutcome | null>(null);
  const decide = useAction((c, outcome: AppealOutcome, password: string) =>
    c.call('appeals.decide', { appealId: a.id, outcome, explanation, password }),
  );
  const outcomes = allowedAppealOutcomes(a.state, role);
  return (
    <Box
      sx={{ borderBottom: 1, borderColor: 'divider', pb: 1.5 }}
      data-testid="appeal-row"
      data-state={a.state}
    >
      <Typography sx={{ fontWeight: 600 }}>
        {t(`appealState.${a.state}`)}
        {a.byName ? (
          <>
            {' · '}
            <bdi>{a.byName}</bdi>
          </>
        ) : null}
        {' · '}
        {t('appeals.receivedAt', { time: dateTime(a.receivedAt) })}
      </Typography>
      <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }}>
        <bdi>{a.text}</bdi>
      </Typography>
      {a.decision ? (
        <Typography variant="body2" color="text.secondary" data-testid="appeal-decision">
          {t('appeals.decidedBy', {
            name: a.decision.reviewer.displayName,
            time: dateTime(a.decision.signedAt),
          })}
          {' · '}
          <bdi>{a.decision.explanation}</bdi>
        </Typography>
      ) : null}
      {outcomes.length > 0 ? (
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ mt: 1, alignItems: 'flex-start' }}>
          <TextField
            size="small"
            label={t('appeals.explanation')}
            value={explanation}
            onChange={(e) => setExplanation(e.target.value)}
            sx={{ minWidth: 320 }}
            slotProps={{ htmlInput: { 'data-testid': 'appeal-explanation' } }}
          />
          {outcomes.map((o) => (
            <Button
              key={o}
              variant={o === 'lift' ? 'contained' : 'outlined'}
              data-testid={`appeal-${o}`}
              disabled={explanation.trim() === ''}
              onClick={() => setSigning(o)}
            >
              {t(`appeals.${o}`)}
            </Button>
          ))}
        </Stack>
      ) : null}
      <SignDialog
        open={signing !== null}
        pending={decide.pending}
        error={decide.error}
        onSign={(password) => {
          if (signing === null) return;
          void decide.run(signing, password).then((d) => {
            if (d === undefined) return;
            setSigning(null);
            onDecided();
          });
        }}
        onClose={() => setSigning(null)}
      />
    </Box>
  );
}
