import {
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  MenuItem,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import type { Recipient, ReferralState, ReferralSummary } from '@shared/domain/referral';
import {
  RECORDABLE_STATES,
  REFUSAL_REASONS,
  allowedReferralActions,
  type RecordableState,
} from '@shared/domain/referral';
import type { Role } from '@shared/domain/users';
import { useAction, useQuery } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { HashText } from '@renderer/components/hash-text';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * The referrals of one resource: create one from the approval in force, send its notice (queued
 * for the sending window when asked outside it), remind or escalate to the next recipient, record
 * the recipient's answers and see its history. Which buttons show comes from the shared
 * transition table; the backend checks the same table and refuses anything else.
 */

/** States in which the recipient still owes an answer: a reminder or an escalation may be sent. */
const AWAITING_ANSWER: readonly ReferralState[] = ['sent', 'acknowledged', 'partially_removed', 'reappeared'];
export function ReferralsPanel({
  resourceId,
  referable,
  role,
}: Readonly<{ resourceId: string; referable: boolean; role: Role }>) {
  const { t } = useI18n();
  const list = useQuery('referrals.list', { resourceId });
  const recipients = useQuery('recipients.list', {});
  const templates = useQuery('referrals.templates', {});
  const [recipient, setRecipient] = useState('');
  const [regime, setRegime] = useState('');
  const [attachBundle, setAttachBundle] = useState(false);
  const create = useAction((c) =>
    c.call('referrals.create', { resourceId, recipient, regime, attachBundle }),
  );

  return (
    <Box data-testid="referrals-panel">
      {list.error ? <ErrorView error={list.error} onRetry={list.reload} /> : null}
      {list.data && list.data.length === 0 ? <EmptyView text={t('referrals.none')} /> : null}
      <Stack spacing={1.5}>
        {(list.data ?? []).map((r) => (
          <ReferralRow
            key={r.id}
            referral={r}
            role={role}
            recipients={recipients.data ?? []}
            onChanged={list.reload}
          />
        ))}
      </Stack>
      {referable && role !== 'reviewer' ? (
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ mt: 2, alignItems: 'flex-start' }}>
          <TextField
            select
            size="small"
            label={t('referrals.recipient')}
            value={recipient}
            onChange={(e) => setRecipient(e.target.value)}
            sx={{ minWidth: 200 }}
            slotProps={{ htmlInput: { 'data-testid': 'referral-recipient' } }}
          >
            {(recipients.data ?? []).map((x) => (
              <MenuItem key={x.id} value={x.name}>
                <bdi>{x.name}</bdi>
                {x.verified ? '' : ` · ${t('referrals.unverified')}`}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            size="small"
            label={t('referrals.regime')}
            value={regime}
            onChange={(e) => setRegime(e.target.value)}
            sx={{ minWidth: 240 }}
            slotProps={{ htmlInput: { 'data-testid': 'referral-regime' } }}
          >
            {(templates.data ?? []).map((x) => (
              <MenuItem key={x.id} value={x.id}>
                {x.title} (v{x.version})
              </MenuItem>
            ))}
          </TextField>
          <FormControlLabel
            control={
              <Checkbox
                checked={attachBundle}
                onChange={(e) => setAttachBundle(e.target.checked)}
                slotProps={{ input: { 'aria-label': t('referrals.attachBundle') } }}
                data-testid="referral-attach-bundle"
              />
            }
            label={t('referrals.attachBundle')}
          />
          <Button
            variant="contained"
            data-testid="referral-create"
            disabled={recipient === '' || regime === '' || create.pending}
            onClick={() => void create.run().then(() => list.reload())}
          >
            {t('referrals.create')}
          </Button>
        </Stack>
      ) : null}
      {create.error ? <ErrorView error={create.error} /> : null}
    </Box>
  );
}

function ReferralRow({
  referral: r,
  role,
  recipients,
  onChanged,
}: Readonly<{
  referral: ReferralSummary;
  role: Role;
  recipients: readonly Recipient[];
  onChanged: () => void;
}>) {
  const { t, dateTime } = useI18n();
  const [state, setState] = useState<RecordableState | ''>('');
  const [reason, setReason] = useState('');
  const [deliveredRef, setDeliveredRef] = useState('');
  const [open, setOpen] = useState(false);
  const history = useQuery('referrals.history', { referralId: r.id });
  const [escalateTo, setEscalateTo] = useState('');
  const send = useAction((c) =>
    c.call('referrals.dispatch', {
      referralId: r.id,
      deliveredRef: deliveredRef === '' ? null : deliveredRef,
    }),
  );
  const remind = useAction((c) => c.call('referrals.remind', { referralId: r.id }));
  const escalate = useAction((c) =>
    c.call('referrals.escalate', { referralId: r.id, recipient: escalateTo, regime: null }),
  );
  const operator = role === 'investigator' || role === 'admin';
  const awaiting = operator && AWAITING_ANSWER.includes(r.state);
  const pending = (history.data?.scheduled ?? []).filter((s) => s.outcome === null);
  const record = useAction((c, s: RecordableState) =>
    c.call('referrals.record', {
      referralId: r.id,
      state: s,
      reason: s === 'refused' && reason !== '' ? (reason as (typeof REFUSAL_REASONS)[number]) : null,
    }),
  );
  const allowed = allowedReferralActions(r.state, role);
  const recordable = (Object.keys(RECORDABLE_STATES) as RecordableState[]).filter((s) =>
    allowed.includes(RECORDABLE_STATES[s]),
  );
  const done = () => {
    onChanged();
    history.reload();
  };
  return (
    <Box
      sx={{ borderBottom: 1, borderColor: 'divider', pb: 1.5 }}
      data-testid="referral-row"
      data-state={r.state}
    >
      <Typography sx={{ fontWeight: 600 }}>
        <bdi>{r.recipientName}</bdi> · {t(`referralState.${r.state}`)}
      </Typography>
      <Typography variant="body2" color="text.secondary">
        <LtrText mono>{`${r.regimeId} v${r.templateVersion}`}</LtrText>
        {r.sentAt ? ` · ${t('referrals.sentAt', { time: dateTime(r.sentAt) })}` : ''}
      </Typography>
      {pending.map((s) => (
        <Typography key={s.id} variant="body2" color="warning.main" data-testid="referral-scheduled">
          {t(`referrals.scheduled.${s.kind}`, { time: dateTime(s.dueAt) })}
        </Typography>
      ))}
      <HashText value={r.id} />
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ mt: 1, alignItems: 'flex-start' }}>
        {allowed.includes('send') ? (
          <>
            <TextField
              size="small"
              label={t('referrals.deliveredRef')}
              value={deliveredRef}
              onChange={(e) => setDeliveredRef(e.target.value)}
              slotProps={{ htmlInput: { 'data-testid': 'referral-delivered-ref' } }}
            />
            <Button
              variant="contained"
              data-testid="referral-send"
              disabled={send.pending}
              onClick={() => void send.run().then(done)}
            >
              {t('referrals.send')}
            </Button>
          </>
        ) : null}
        {recordable.length > 0 ? (
          <>
            <TextField
              select
              size="small"
              label={t('referrals.recordState')}
              value={state}
              onChange={(e) => setState(e.target.value as RecordableState)}
              sx={{ minWidth: 180 }}
              slotProps={{ htmlInput: { 'data-testid': 'referral-state' } }}
            >
              {recordable.map((s) => (
                <MenuItem key={s} value={s}>
                  {t(`referralState.${s}`)}
                </MenuItem>
              ))}
            </TextField>
            {state === 'refused' ? (
              <TextField
                select
                size="small"
                label={t('referrals.reason')}
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                sx={{ minWidth: 200 }}
                slotProps={{ htmlInput: { 'data-testid': 'referral-reason' } }}
              >
                {REFUSAL_REASONS.map((x) => (
                  <MenuItem key={x} value={x}>
                    {t(`refusalReason.${x}`)}
                  </MenuItem>
                ))}
              </TextField>
            ) : null}
            <Button
              variant="outlined"
              data-testid="referral-record"
              disabled={state === '' || record.pending}
              onClick={() => {
                if (state !== '') void record.run(state).then(done);
              }}
            >
              {t('referrals.record')}
            </Button>
          </>
        ) : null}
        {awaiting ? (
          <>
            <Button
              variant="outlined"
              data-testid="referral-remind"
              disabled={remind.pending}
              onClick={() => void remind.run().then(done)}
            >
              {t('referrals.remind')}
            </Button>
            <TextField
              select
              size="small"
              label={t('referrals.escalateTo')}
              value={escalateTo}
              onChange={(e) => setEscalateTo(e.target.value)}
              sx={{ minWidth: 200 }}
              slotProps={{ htmlInput: { 'data-testid': 'referral-escalate-to' } }}
            >
              {recipients
                .filter((x) => x.id !== r.recipientId)
                .map((x) => (
                  <MenuItem key={x.id} value={x.name}>
                    <bdi>{x.name}</bdi>
                  </MenuItem>
                ))}
            </TextField>
            <Button
              variant="outlined"
              data-testid="referral-escalate"
              disabled={escalateTo === '' || escalate.pending}
              onClick={() => void escalate.run().then(done)}
            >
              {t('referrals.escalate')}
            </Button>
          </>
        ) : null}
        <Button size="small" onClick={() => setOpen(!open)} data-testid="referral-history-toggle">
          {t('referrals.history')}
        </Button>
      </Stack>
      {send.error ? <ErrorView error={send.error} /> : null}
      {remind.error ? <ErrorView error={remind.error} /> : null}
      {escalate.error ? <ErrorView error={escalate.error} /> : null}
      {record.error ? <ErrorView error={record.error} /> : null}
      {open && history.data ? (
        <Box component="ol" sx={{ mt: 1, mb: 0, ps: 3 }} data-testid="referral-history">
          {history.data.events.map((e) => (
            <li key={e.seq}>
              <Typography variant="body2">
                {dateTime(e.at)} · {t(`referralState.${e.toState}`)} · <bdi>{e.actor}</bdi>
                {e.reason ? ` · ${t(`refusalReason.${e.reason}`)}` : ''}
                {e.deliveredRef ? (
                  <>
                    {' · '}
                    <LtrText mono>{e.deliveredRef}</LtrText>
                  </>
                ) : null}
              </Typography>
            </li>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
