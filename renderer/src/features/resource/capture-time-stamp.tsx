import { Alert, Box } from '@mui/material';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { useQuery } from '@renderer/api/api-context';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';
import { KeyValueTable } from './key-value-table';

/**
 * What vouches for this capture's time. A granted RFC 3161 token shows its authority, time and
 * serial (what a court compares with `openssl ts -reply -text`); without a token, or while this
 * workstation has no authority chosen, the capture says plainly that its times rest on the
 * workstation's clock alone.
 */
export function CaptureTimeStamp({ capture }: Readonly<{ capture: CaptureRecord }>) {
  const { t, dateTime } = useI18n();
  const status = useQuery('timestamps.status', {});
  const ts = capture.timestamp;
  const granted = ts.status === 'granted';
  const noAuthority = status.data !== undefined && status.data.tsa.status !== 'authority';
  return (
    <Box sx={{ mb: 1 }}>
      {!granted || noAuthority ? (
        <Alert severity="warning" data-testid="capture-not-timestamped" sx={{ mb: 1 }}>
          {t('time.capture.notTimestamped')}
          {ts.status === 'pending' ? ` ${t('time.capture.pending')}` : ''}
        </Alert>
      ) : null}
      {granted ? (
        <KeyValueTable
          testId="capture-timestamp"
          rows={[
            [
              t('time.token.authority'),
              <LtrText key="a">{ts.tsaName ?? ts.tsa ?? t('common.none')}</LtrText>,
            ],
            [
              t('time.token.url'),
              <LtrText key="u" mono>
                {ts.tsa ?? t('common.none')}
              </LtrText>,
            ],
            [t('time.token.time'), ts.genTime === undefined ? t('common.none') : dateTime(ts.genTime)],
            [
              t('time.token.serial'),
              <LtrText key="s" mono>
                {ts.serialHex ?? t('common.none')}
              </LtrText>,
            ],
          ]}
        />
      ) : null}
    </Box>
  );
}
