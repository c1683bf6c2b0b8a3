import { Box, Typography } from '@mui/material';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { HashText } from '@renderer/components/hash-text';
import { LtrText } from '@renderer/components/ltr-text';
import { SensitiveImage } from '@renderer/components/sensitive-image';
import { useI18n } from '@renderer/i18n/i18n-context';
import { KeyValueTable } from './key-value-table';
import { TamperedNotice } from './tampered-notice';

/** Two captures of one resource side by side: first screenshot segment and the facts that differ most often. */
export function CaptureCompare({
  left,
  right,
  sensitive,
}: Readonly<{ left: CaptureRecord; right: CaptureRecord; sensitive: boolean }>) {
  const { t, dateTime, number } = useI18n();
  const column = (c: CaptureRecord, label: string) => {
    const shot = c.artifacts.find((a) => a.kind === 'screenshot' && (a.segment?.index ?? 0) === 0);
    return (
      <Box sx={{ minWidth: 0 }} data-testid="compare-column">
        <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
          {label} · {dateTime(c.startedAt)}
        </Typography>
        <TamperedNotice capture={c} />
        <KeyValueTable
          rows={[
            [t('resource.outcome'), t(`outcome.${c.outcome}`)],
            [t('resource.http.status'), c.http.status === null ? t('common.none') : number(c.http.status)],
            [t('resource.pageTitle'), <bdi key="t">{c.page.title}</bdi>],
            [t('resource.finalUrl'), <LtrText key="u">{c.finalUrl}</LtrText>],
            [t('resource.context.manifest'), <HashText key="m" value={c.manifestSha256} short />],
          ]}
        />
        {shot ? (
          <Box dir="ltr" sx={{ mt: 1, maxHeight: 480, overflow: 'auto', border: 1, borderColor: 'divider' }}>
            <SensitiveImage
              resourceId={c.resourceId}
              sha256={shot.sha256}
              sensitive={sensitive}
              alt={t('resource.screenshot')}
              imgStyle={{ width: '100%', height: 'auto' }}
            />
          </Box>
        ) : null}
      </Box>
    );
  };
  return (
    <Box
      data-testid="capture-compare"
      sx={{ display: 'grid', gridTemplateColumns: 'repeat(2, minmax(0, 1fr))', gap: 2 }}
    >
      {column(left, t('resource.compareLeft'))}
      {column(right, t('resource.compareRight'))}
    </Box>
  );
}
