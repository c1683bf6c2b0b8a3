import { Alert, Box, Button, Chip, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { ResourceState } from '@shared/domain/resources';
import { useAction, useEvent, useQuery } from '@renderer/api/api-context';
import { routeHref } from '@renderer/app/routes';
import { AuditTable } from '@renderer/components/audit-table';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { HashText } from '@renderer/components/hash-text';
import { LoadingView } from '@renderer/components/loading-view';
import { CapturedText, CapturedUrl } from '@renderer/components/captured-text';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { StateChip } from '@renderer/components/state-chip';
import { useI18n } from '@renderer/i18n/i18n-context';
import { IndicatorsPanel } from '../indicators/indicators-panel';
import { AppealsPanel } from '../referrals/appeals-panel';
import { ReferralsPanel } from '../referrals/referrals-panel';
import { useSession } from '../session/session-context';
import { ContentWarningGate } from '../wellbeing/content-warning-gate';
import { ArtifactTable } from './artifact-table';
import { CaptureCompare } from './capture-compare';
import { CaptureHistory } from './capture-history';
import { CaptureTabs } from './capture-tabs';
import { CaptureTimeStamp } from './capture-time-stamp';
import { ScreenshotViewer } from './screenshot-viewer';
import { WithheldMediaList } from './withheld-media';

/** Resources a referral can be made for: an approval in force (the backend checks the decision too). */
const REFERABLE: readonly ResourceState[] = ['approved', 'blocked', 'block_verified'];
/** A measure in force can be appealed; a lifted one keeps its appeals visible. */
const APPEALABLE: readonly ResourceState[] = [...REFERABLE, 'lifted'];

const newestFirst = (captures: readonly CaptureRecord[]) =>
  [...captures].sort((a, b) => b.startedAt.localeCompare(a.startedAt));

export function ResourceScreen({ id }: Readonly<{ id: string }>) {
  const { t, dateTime, number } = useI18n();
  const session = useSession();
  const detail = useQuery('resources.get', { id });
  const settings = useQuery('settings.get', {});
  const custody = useQuery('audit.list', { subject: id, limit: 200 });
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [compare, setCompare] = useState<readonly string[]>([]);
  const capture = useAction((c) => c.call('capture.enqueue', { resourceIds: [id] }));
  const requestReview = useAction((c) => c.call('review.request', { resourceId: id }));
  useEvent('resource.changed', (p) => {
    if (p.resourceId === id) {
      detail.reload();
      custody.reload();
    }
  });

  if (detail.data === undefined) {
    return (
      <Box data-testid="screen-resource">
        {detail.error ? <ErrorView error={detail.error} onRetry={detail.reload} /> : <LoadingView />}
      </Box>
    );
  }
  const { resource, reports, decisions, allowedActions } = detail.data;
  const captures = newestFirst(detail.data.captures);
  const current = captures.find((c) => c.id === selected) ?? captures[0];
  // Every image is blurred by default (`blurAllMedia`, on unless an admin turns it off), minors always;
  // a failed settings call blurs too.
  const sensitive = resource.categories.includes('minors') || settings.data?.blurAllMedia !== false;
  const pair = compare.length === 2 ? compare.map((c) => captures.find((x) => x.id === c)) : [];
  const [left, right] = pair;

  return (
    <Box data-testid="screen-resource" data-resource-id={resource.id}>
      <Stack spacing={1} sx={{ mb: 2 }}>
        <Typography variant="body2" color="text.secondary">
          {t('resource.title')} · <LtrText mono>{resource.id}</LtrText>
        </Typography>
        <Typography variant="h5" component="h1" sx={{ overflowWrap: 'anywhere' }} data-testid="resource-url">
          <CapturedUrl url={resource.displayUrl} testId="resource-display-url" />
        </Typography>
        {resource.displayUrl !== resource.url ? (
          <Typography variant="body2" color="text.secondary">
            <LtrText mono>{resource.url}</LtrText>
          </Typography>
        ) : null}
        {current ? (
          <Typography data-testid="resource-title">
            {t('resource.pageTitle')}: <CapturedText>{current.page.title}</CapturedText>
          </Typography>
        ) : null}
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
          <StateChip state={resource.state} />
          {resource.categories.map((c) => (
            <Chip
              key={c}
              size="small"
              label={t(`category.${c}`)}
              color={c === 'minors' ? 'warning' : 'default'}
            />
          ))}
          {resource.caseRef ? (
            <Chip size="small" variant="outlined" label={<LtrText>{resource.caseRef}</LtrText>} />
          ) : null}
          <Box sx={{ flexGrow: 1 }} />
          {allowedActions.includes('capture') ? (
            <Button
              variant="outlined"
              onClick={() => void capture.run()}
              disabled={capture.pending}
              data-testid="resource-capture"
            >
              {t('resource.capture')}
            </Button>
          ) : null}
          {allowedActions.includes('request_review') ? (
            <Button
              variant="outlined"
              onClick={() => void requestReview.run().then(detail.reload)}
              disabled={requestReview.pending}
              data-testid="resource-request-review"
            >
              {t('resource.requestReview')}
            </Button>
          ) : null}
          {allowedActions.includes('approve') || allowedActions.includes('reject') ? (
            <Button
              variant="contained"
              href={routeHref({ name: 'review', id: resource.id })}
              data-testid="resource-review"
            >
              {t('resource.review')}
            </Button>
          ) : null}
        </Box>
        {capture.error ? <ErrorView error={capture.error} /> : null}
        {capture.result ? <Alert severity="info">{t('resource.captureQueued')}</Alert> : null}
        {requestReview.error ? <ErrorView error={requestReview.error} /> : null}
        {requestReview.result === null ? (
          <Alert severity="success" data-testid="review-requested">
            {t('resource.reviewRequested')}
          </Alert>
        ) : null}
      </Stack>

      {current === undefined ? (
        <EmptyView text={t('resource.noCaptures')} testId="resource-no-captures" />
      ) : (
        <ContentWarningGate categories={resource.categories} subject={resource.id}>
          <Box
            sx={{
              display: 'grid',
              gap: 2,
              gridTemplateColumns: { xs: '1fr', lg: 'minmax(0, 3fr) minmax(0, 2fr)' },
            }}
          >
            {current.restricted ? (
              <Box sx={{ gridColumn: '1 / -1' }}>
                <SectionCard title={t('withheld.title')} testId="resource-withheld">
                  <WithheldMediaList
                    key={`wh-${current.id}`}
                    capture={current}
                    canAssess={session.user.role === 'reviewer' || session.user.role === 'admin'}
                  />
                </SectionCard>
              </Box>
            ) : null}
            <SectionCard title={t('resource.screenshot')}>
              <CaptureTimeStamp key={`ts-${current.id}`} capture={current} />
              {current.warnings.length > 0 ? (
                <Alert severity="warning" sx={{ mb: 1 }}>
                  {current.warnings.map((w) => (
                    <div key={w.code}>
                      <LtrText mono>{w.code}</LtrText> {w.message}
                    </div>
                  ))}
                </Alert>
              ) : null}
              <ScreenshotViewer
                key={current.id}
                resourceId={resource.id}
                artifacts={current.artifacts}
                sensitive={sensitive}
              />
            </SectionCard>
            <SectionCard title={`${t('resource.outcome')}: ${t(`outcome.${current.outcome}`)}`}>
              <CaptureTabs key={current.id} capture={current} />
            </SectionCard>
            <Box sx={{ gridColumn: '1 / -1' }}>
              <SectionCard title={t('indicators.title')}>
                <IndicatorsPanel
                  key={`ind-${current.id}`}
                  resourceId={resource.id}
                  capture={current}
                  sensitive={sensitive}
                />
              </SectionCard>
            </Box>
            <Box sx={{ gridColumn: '1 / -1' }}>
              <SectionCard title={t('resource.artifacts')}>
                <ArtifactTable artifacts={current.artifacts} />
              </SectionCard>
            </Box>
            <Box sx={{ gridColumn: '1 / -1' }}>
              <SectionCard title={t('resource.history')}>
                <CaptureHistory
                  captures={captures}
                  selected={current.id}
                  onSelect={setSelected}
                  compare={compare}
                  onCompare={setCompare}
                />
                {left && right ? (
                  <Box sx={{ mt: 2 }}>
                    <CaptureCompare left={left} right={right} sensitive={sensitive} />
                  </Box>
                ) : null}
              </SectionCard>
            </Box>
          </Box>
        </ContentWarningGate>
      )}

      <Box
        sx={{
          display: 'grid',
          gap: 2,
          mt: 2,
          gridTemplateColumns: { xs: '1fr', lg: 'repeat(2, minmax(0, 1fr))' },
        }}
      >
        <SectionCard title={`${t('resource.reports')} (${number(reports.length)})`} testId="resource-reports">
          {reports.length === 0 ? <EmptyView text={t('common.empty')} /> : null}
          <Stack spacing={1}>
            {reports.map((r) => (
              <Box key={r.id} sx={{ borderBottom: 1, borderColor: 'divider', pb: 1 }}>
                <Typography variant="body2">
                  {dateTime(r.receivedAt)} · {t(`source.${r.sourceType}`)}
                  {r.category ? ` · ${t(`category.${r.category}`)}` : ''}
                </Typography>
                <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
                  <LtrText>{r.originalUrl}</LtrText>
                </Typography>
                {r.note ? (
                  <Typography variant="body2" color="text.secondary">
                    <bdi>{r.note}</bdi>
                  </Typography>
                ) : null}
                <Typography variant="caption" color="text.secondary">
                  {t('resource.reportedBy', { who: r.reporterRef ?? r.createdBy })}
                </Typography>
              </Box>
            ))}
          </Stack>
        </SectionCard>
        <SectionCard title={t('resource.decisions')} testId="resource-decisions">
          {decisions.length === 0 ? <EmptyView text={t('common.empty')} /> : null}
          {decisions.map((d) => (
            <Box
              key={d.id}
              sx={{ borderBottom: 1, borderColor: 'divider', pb: 1, mb: 1 }}
              data-testid="decision-entry"
            >
              <Typography sx={{ fontWeight: 600 }}>{t(`decision.${d.fields.decision}`)}</Typography>
              <Typography variant="body2">
                {t('review.signedBy', {
                  who: d.reviewer.displayName || d.reviewer.name,
                  time: dateTime(d.signedAt),
                })}
              </Typography>
              <HashText value={d.id} />
            </Box>
          ))}
        </SectionCard>
      </Box>
      <Box sx={{ mt: 2 }}>
        <SectionCard title={t('referrals.title')} testId="resource-referrals">
          <ReferralsPanel
            resourceId={resource.id}
            referable={REFERABLE.includes(resource.state)}
            role={session.user.role}
          />
        </SectionCard>
      </Box>
      {APPEALABLE.includes(resource.state) ? (
        <Box sx={{ mt: 2 }}>
          <SectionCard title={t('appeals.title')} testId="resource-appeals">
            <AppealsPanel
              resourceId={resource.id}
              role={session.user.role}
              onDecided={() => {
                detail.reload();
                custody.reload();
              }}
            />
          </SectionCard>
        </Box>
      ) : null}
      <Box sx={{ mt: 2 }}>
        <SectionCard title={t('resource.custody')} testId="resource-custody">
          {custody.error ? <ErrorView error={custody.error} onRetry={custody.reload} /> : null}
          {custody.data && custody.data.rows.length === 0 ? <EmptyView text={t('audit.empty')} /> : null}
          {custody.data && custody.data.rows.length > 0 ? <AuditTable rows={custody.data.rows} /> : null}
        </SectionCard>
      </Box>
    </Box>
  );
}
