import { Alert, Box, Button, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import type { DecisionRecord } from '@shared/domain/decision';
import { useAction, useQuery } from '@renderer/api/api-context';
import { routeHref } from '@renderer/app/routes';
import { ErrorView } from '@renderer/components/error-view';
import { HashText } from '@renderer/components/hash-text';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { StateChip } from '@renderer/components/state-chip';
import { useI18n } from '@renderer/i18n/i18n-context';
import { useSession } from '../session/session-context';
import { ContentWarningGate } from '../wellbeing/content-warning-gate';
import { DecisionFormView } from './decision-form';
import { DecisionSuggestionButton } from './decision-suggestion';
import type { DecisionForm } from './decision-form-state';
import { decisionProblems, emptyDecisionForm, toDecisionFields } from './decision-form-state';
import { PacketPreview } from './packet-preview';
import { SignDialog } from './sign-dialog';

export function ReviewScreen({ id }: Readonly<{ id: string }>) {
  const { t, language, dateTime } = useI18n();
  const { user } = useSession();
  const detail = useQuery('resources.get', { id });
  const bases = useQuery('basis.list', {});
  const [form, setForm] = useState<DecisionForm | null>(null);
  const [tried, setTried] = useState(false);
  const [signing, setSigning] = useState(false);
  const decide = useAction((c, f: DecisionForm, password: string) =>
    c.call('review.decide', { resourceId: id, decision: toDecisionFields(f), password }),
  );

  if (detail.data === undefined) {
    return (
      <Box data-testid="screen-review">
        {detail.error ? <ErrorView error={detail.error} onRetry={detail.reload} /> : <LoadingView />}
      </Box>
    );
  }
  const { resource, allowedActions, decisions } = detail.data;
  const signed: DecisionRecord | undefined = decide.result;
  // The packet's signer must be whoever signed the decision now in force.
  const latestReviewer = (signed ?? decisions.at(-1))?.reviewer.name;
  const current = form ?? emptyDecisionForm(language, resource.url);
  const problems = decisionProblems(current);
  const canDecide = allowedActions.includes('approve') || allowedActions.includes('reject');

  const openSign = () => {
    setTried(true);
    if (Object.keys(problems).length === 0) setSigning(true);
  };
  const sign = async (password: string) => {
    const record = await decide.run(current, password);
    if (record !== undefined) {
      setSigning(false);
      detail.reload();
    }
  };

  return (
    <Box data-testid="screen-review">
      <Stack spacing={1} sx={{ mb: 2 }}>
        <Typography variant="h4" component="h1">
          {t('review.title')}
        </Typography>
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
          <StateChip state={resource.state} />
          <a href={routeHref({ name: 'resource', id: resource.id })}>
            <LtrText>{resource.displayUrl}</LtrText>
          </a>
        </Box>
      </Stack>
      <Box
        sx={{
          display: 'grid',
          gap: 2,
          gridTemplateColumns: { xs: '1fr', xl: 'minmax(0, 1fr) minmax(0, 1fr)' },
        }}
      >
        <SectionCard title={t('review.packet')}>
          <ContentWarningGate categories={resource.categories} subject={resource.id}>
            <PacketPreview resourceId={resource.id} canSign={latestReviewer === user.name} />
          </ContentWarningGate>
        </SectionCard>
        <SectionCard title={t('review.decision')}>
          {signed ? (
            <Alert severity="success" data-testid="decision-signed" sx={{ mb: 2 }}>
              <Typography sx={{ fontWeight: 600 }}>
                {t('review.signed')}: {t(`decision.${signed.fields.decision}`)}
              </Typography>
              <Typography variant="body2">
                {t('review.signedBy', {
                  who: signed.reviewer.displayName || signed.reviewer.name,
                  time: dateTime(signed.signedAt),
                })}
              </Typography>
              <Box sx={{ mt: 1 }}>
                <HashText value={signed.id} />
              </Box>
              <Typography variant="body2" sx={{ mt: 1 }}>
                {t('review.captures')}:
              </Typography>
              {signed.captures.map((c) => (
                <Box key={c.id}>
                  <LtrText mono>{c.id}</LtrText> <HashText value={c.manifestSha256} short />
                </Box>
              ))}
              <Typography variant="body2" sx={{ mt: 1 }}>
                {t('review.signature')}:{' '}
                <LtrText mono>{`${signed.signature.alg} ${signed.signature.keyId}`}</LtrText>
              </Typography>
            </Alert>
          ) : null}
          {user.role !== 'reviewer' ? (
            <Alert severity="info" data-testid="review-reviewer-only">
              {t('review.reviewerOnly')}
            </Alert>
          ) : !canDecide && !signed ? (
            <Alert severity="info" data-testid="review-not-allowed">
              {t('review.notAllowed')}
            </Alert>
          ) : null}
          {user.role === 'reviewer' && canDecide && !signed ? (
            <>
              {bases.error ? <ErrorView error={bases.error} onRetry={bases.reload} /> : null}
              <DecisionSuggestionButton resourceId={resource.id} form={current} onChange={setForm} />
              <DecisionFormView
                form={current}
                onChange={setForm}
                problems={problems}
                showProblems={tried}
                bases={bases.data ?? []}
              />
              <Box sx={{ mt: 2 }}>
                <Button variant="contained" onClick={openSign} data-testid="open-sign">
                  {t('review.signOff')}
                </Button>
              </Box>
            </>
          ) : null}
        </SectionCard>
      </Box>
      <SignDialog
        open={signing}
        pending={decide.pending}
        error={decide.error}
        onSign={(password) => void sign(password)}
        onClose={() => {
          setSigning(false);
          decide.reset();
        }}
      />
    </Box>
  );
}
