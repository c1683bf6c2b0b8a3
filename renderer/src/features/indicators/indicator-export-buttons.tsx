import DownloadIcon from '@mui/icons-material/Download';
import { Alert, Box, Button, Typography } from '@mui/material';
import type { IndicatorExportFormat } from '@shared/contract/methods/indicators';
import { useAction } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';
import { useSession } from '../session/session-context';

export type IndicatorExportTarget = Readonly<{ caseRef: string } | { resourceIds: readonly string[] }>;

const FORMATS: readonly IndicatorExportFormat[] = ['stix', 'csv'];

/** Hands the written file's text to the browser as a download (the file itself stays in exports/). */
function download(fileName: string, mediaType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mediaType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The click has started the download; the object URL is not needed after this turn.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/**
 * "Export indicators" as STIX 2.1 or CSV: the backend writes the file into the data dir's exports/
 * (the wire's path rule) and records the export in the custody log; the browser then downloads it.
 */
export function IndicatorExportButtons({
  target,
  disabled = false,
}: Readonly<{ target: IndicatorExportTarget; disabled?: boolean }>) {
  const { t, number } = useI18n();
  const { user } = useSession();
  const exporter = useAction((c, format: IndicatorExportFormat) =>
    c.call('indicators.export', {
      format,
      ...('caseRef' in target ? { caseRef: target.caseRef } : { resourceIds: [...target.resourceIds] }),
    }),
  );
  if (user.role !== 'investigator' && user.role !== 'reviewer' && user.role !== 'admin') return null;
  const run = async (format: IndicatorExportFormat) => {
    const result = await exporter.run(format);
    if (result?.content != null) download(result.fileName, result.mediaType, result.content);
  };
  return (
    <Box data-testid="indicator-export">
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography variant="body2">{t('indicators.export')}</Typography>
        {FORMATS.map((f) => (
          <Button
            key={f}
            size="small"
            variant="outlined"
            startIcon={<DownloadIcon />}
            disabled={disabled || exporter.pending}
            onClick={() => void run(f)}
            data-testid={`indicator-export-${f}`}
          >
            {t(f === 'stix' ? 'indicators.exportStix' : 'indicators.exportCsv')}
          </Button>
        ))}
      </Box>
      {exporter.error ? <ErrorView error={exporter.error} /> : null}
      {exporter.result ? (
        <Alert severity="success" sx={{ mt: 1 }} data-testid="indicator-exported">
          {t('indicators.exported', { indicators: number(exporter.result.indicators) })}{' '}
          <LtrText mono>{exporter.result.path}</LtrText>
        </Alert>
      ) : null}
    </Box>
  );
}
