import ReportProblemIcon from '@mui/icons-material/ReportProblem';
import { Alert, AlertTitle, Button } from '@mui/material';
import { useState } from 'react';
import type { ReactNode } from 'react';
import { contentWarningOf } from '@shared/domain/content-warning';
import type { CategoryHint } from '@shared/domain/resources';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * Shows the content warning of a `minors` or `extremism` resource instead of `children` until the
 * user continues: nothing inside (screenshots, the packet) is mounted before, so no media request
 * leaves the app. `subject` (the resource id) resets the gate when the screen shows another one.
 */
export function ContentWarningGate({
  categories,
  subject,
  children,
}: Readonly<{ categories: readonly CategoryHint[]; subject: string; children: ReactNode }>) {
  const { t } = useI18n();
  const [accepted, setAccepted] = useState<string | null>(null);
  const warned = contentWarningOf(categories);
  if (warned.length === 0 || accepted === subject) return <>{children}</>;
  return (
    <Alert
      severity="warning"
      icon={<ReportProblemIcon />}
      data-testid="content-warning"
      action={
        <Button
          color="warning"
          variant="contained"
          size="small"
          onClick={() => setAccepted(subject)}
          data-testid="content-warning-accept"
        >
          {t('wellbeing.warningAccept')}
        </Button>
      }
    >
      <AlertTitle>{t('wellbeing.warningTitle')}</AlertTitle>
      {t('wellbeing.warningBody', { categories: warned.map((c) => t(`category.${c}`)).join(', ') })}
    </Alert>
  );
}
