import { Alert, Box, Button, Stack, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { CaptureRecord, WithheldMedia } from '@shared/domain/capture-record';
import { useAction, useQuery } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { HashText } from '@renderer/components/hash-text';
import { CapturedUrl } from '@renderer/components/captured-text';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';
import { VaultView } from '../wellbeing/vault-view';

/**
 * What a restricted capture did not keep: each withheld medium by its URL, type, size, hashes and
 * reason — never the medium itself, whose bytes are nowhere in the evidence. A reviewer may label an
 * item (`media.assess`, a custody event) so that the same item, or a PDQ-near copy, is recognised
 * for the next reviewer without anyone looking at it again.
 */
export function WithheldMediaList({
  capture,
  canAssess,
}: Readonly<{ capture: CaptureRecord; canAssess: boolean }>) {
  const { t, number } = useI18n();
  const items = capture.withheld ?? [];
  // Which items the restricted vault holds, and whether this user may view them (csam_authorised).
  const vault = useQuery('vault.list', { resourceId: capture.resourceId });
  const viewable = (sha256: string): boolean =>
    vault.data?.authorised === true && vault.data.items.some((i) => i.sha256 === sha256 && i.inVault);
  return (
    <Stack spacing={1.5} data-testid="withheld-media">
      <Alert severity="info" data-testid="withheld-summary">
        {t('withheld.summary', {
          n: number(items.length),
          screenshots: t(`withheld.screenshots.${capture.restriction?.screenshots ?? 'placeholders'}`),
        })}
        {capture.suspectedCsam ? (
          <Typography variant="body2" sx={{ mt: 0.5 }}>
            {t('withheld.flag', { source: capture.suspectedCsam.source })}{' '}
            <bdi>{capture.suspectedCsam.reason}</bdi>
          </Typography>
        ) : null}
      </Alert>
      {items.map((w, i) => (
        <WithheldItem
          key={`${w.sha256}-${i}`}
          item={w}
          captureId={capture.id}
          canAssess={canAssess}
          vaultOf={viewable(w.sha256) ? capture.resourceId : null}
        />
      ))}
    </Stack>
  );
}

function WithheldItem({
  item,
  captureId,
  canAssess,
  vaultOf,
}: Readonly<{ item: WithheldMedia; captureId: string; canAssess: boolean; vaultOf: string | null }>) {
  const { t, number } = useI18n();
  const [label, setLabel] = useState('');
  const assess = useAction((c, value: string) =>
    c.call('media.assess', {
      sha256: item.sha256,
      md5: /^[0-9a-f]{32}$/.test(item.md5) ? item.md5 : null,
      pdq: item.pdq,
      label: value,
      captureId,
    }),
  );
  return (
    <Box
      data-testid="withheld-item"
      data-sha256={item.sha256}
      data-reason={item.reason}
      sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1.5 }}
    >
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start' }}>
        {/* A neutral box where the medium would be: nothing of it is loaded or kept. */}
        <Box
          aria-hidden
          sx={{
            width: 64,
            height: 48,
            flexShrink: 0,
            bgcolor: 'action.disabledBackground',
            borderRadius: 0.5,
          }}
        />
        <Box sx={{ minWidth: 0, flexGrow: 1 }}>
          <Typography variant="body2" sx={{ overflowWrap: 'anywhere' }}>
            <CapturedUrl url={item.url} />
          </Typography>
          <Typography variant="caption" color="text.secondary" component="div">
            <LtrText mono>{item.contentType}</LtrText> · {t('withheld.bytes', { n: number(item.bytes) })} ·{' '}
            {t(`withheld.reason.${item.reason}`)}
            {item.match ? (
              <>
                {' '}
                · <LtrText mono>{`${item.match.list}: ${item.match.label}`}</LtrText>
              </>
            ) : null}
          </Typography>
          {item.assessment ? (
            <Typography variant="body2" color="warning.main" data-testid="withheld-prior-label">
              {t('withheld.prior', { label: item.assessment.label, who: item.assessment.assessedBy })}
            </Typography>
          ) : null}
          <Typography variant="caption" component="div">
            SHA-256 <HashText value={item.sha256} />
          </Typography>
          <Typography variant="caption" component="div">
            MD5 <LtrText mono>{item.md5}</LtrText>
            {item.pdq ? (
              <>
                {' '}
                · PDQ <LtrText mono>{item.pdq}</LtrText>
              </>
            ) : null}
          </Typography>
        </Box>
      </Box>
      {canAssess ? (
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mt: 1, flexWrap: 'wrap' }}>
          <TextField
            size="small"
            label={t('withheld.assessLabel')}
            value={label}
            onChange={(e) => setLabel(e.target.value.toLowerCase())}
            slotProps={{ htmlInput: { maxLength: 64, dir: 'ltr', 'data-testid': 'withheld-assess-label' } }}
          />
          <Button
            size="small"
            variant="outlined"
            disabled={label.trim() === '' || assess.pending}
            onClick={() => void assess.run(label.trim())}
            data-testid="withheld-assess"
          >
            {t('withheld.assess')}
          </Button>
          {assess.result ? (
            <Typography variant="body2" color="success.main" data-testid="withheld-assessed">
              {t('withheld.assessed', { label: assess.result.label })}
            </Typography>
          ) : null}
        </Box>
      ) : null}
      {assess.error ? <ErrorView error={assess.error} /> : null}
      {vaultOf !== null ? <VaultView resourceId={vaultOf} sha256={item.sha256} /> : null}
    </Box>
  );
}
