import { Alert, AlertTitle, Box } from '@mui/material';
import type { IntakeHint } from '@shared/contract/methods/indicators';
import type { ImportLine } from '@shared/contract/methods/intake';
import { useQuery } from '@renderer/api/api-context';
import { useI18n } from '@renderer/i18n/i18n-context';

/** Bulk hints cover at most this many imported lines (the method's limit). */
const BULK_MAX = 1000;

function HintLines({ hints }: Readonly<{ hints: readonly IntakeHint[] }>) {
  const { t, number } = useI18n();
  return (
    <>
      {hints.map((h) => (
        <Box key={`${h.type}:${h.value}`} data-testid="intake-hint" data-type={h.type} data-value={h.value}>
          {t('intake.hint.line', {
            type: h.type,
            value: '\u2068' + (h.type === 'telegram' ? `@${h.value}` : h.value) + '\u2069',
            count: number(h.resources),
            blocked: number(h.blocked),
          })}
        </Box>
      ))}
    </>
  );
}

/**
 * What intake says about a new report: the indicators of its URL (a `t.me/…` report) and of its
 * resource's captures that known resources already hold ("shares wallet … with 12 resources, 3
 * already blocked"). Nothing is shown when nothing is shared.
 */
export function IntakeIndicatorHints({ resourceId, url }: Readonly<{ resourceId: string; url: string }>) {
  const { t } = useI18n();
  const hints = useQuery('indicators.intakeHints', { resourceId, url });
  if (hints.data === undefined || hints.data.length === 0) return null;
  return (
    <Alert severity="warning" data-testid="intake-hints">
      <AlertTitle>{t('intake.hint.title')}</AlertTitle>
      <HintLines hints={hints.data} />
    </Alert>
  );
}

/** After a bulk import: how many reports share an indicator with known resources, and the widest shared. */
export function ImportIndicatorSummary({ lines }: Readonly<{ lines: readonly ImportLine[] }>) {
  const { t, number } = useI18n();
  const reports = lines
    .flatMap((l) =>
      l.resourceId !== undefined && l.outcome !== 'rejected'
        ? [{ resourceId: l.resourceId, url: l.url }]
        : [],
    )
    .slice(0, BULK_MAX);
  const summary = useQuery('indicators.intakeSummary', { reports }, reports.length > 0);
  if (summary.data === undefined || summary.data.sharing === 0) return null;
  return (
    <Alert severity="warning" data-testid="import-hints">
      <AlertTitle>{t('intake.hint.bulk', { count: number(summary.data.sharing) })}</AlertTitle>
      <HintLines hints={summary.data.top} />
    </Alert>
  );
}
