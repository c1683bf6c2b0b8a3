import { Alert } from '@mui/material';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * Says plainly that a capture's stored row disagrees with its signed manifest (the backend then
 * sends the manifest's values): evidence must never look sound when its record was edited.
 */
export function TamperedNotice({ capture }: Readonly<{ capture: CaptureRecord }>) {
  const { t } = useI18n();
  const fields = capture.tampered;
  if (fields === undefined || fields.length === 0) return null;
  const manifestGone = fields.includes('manifest') || fields.includes('manifestSha256');
  return (
    <Alert severity="error" data-testid="capture-tampered" sx={{ mb: 1 }}>
      {manifestGone
        ? t('resource.tamperedManifest')
        : t('resource.tamperedFields', { fields: fields.join(', ') })}
    </Alert>
  );
}
