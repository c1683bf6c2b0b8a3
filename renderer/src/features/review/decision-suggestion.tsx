import AutoFixHighIcon from '@mui/icons-material/AutoFixHigh';
import { Alert, Box, Button } from '@mui/material';
import { useState } from 'react';
import { useAction } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { useI18n } from '@renderer/i18n/i18n-context';
import type { DecisionForm } from './decision-form-state';
import { applySuggestion } from './decision-form-state';

/**
 * "Suggest from indicators": asks the backend for a draft of the facts in the form's language from
 * the resource's coded-term hits and indicators and puts it into the form, where the reviewer edits
 * it. It never signs or chooses the decision itself.
 */
export function DecisionSuggestionButton({
  resourceId,
  form,
  onChange,
}: Readonly<{ resourceId: string; form: DecisionForm; onChange: (next: DecisionForm) => void }>) {
  const { t } = useI18n();
  const [outcome, setOutcome] = useState<'applied' | 'none' | null>(null);
  const suggest = useAction((c, language: DecisionForm['language']) =>
    c.call('indicators.suggestDecision', { resourceId, language }),
  );
  const run = async () => {
    const s = await suggest.run(form.language);
    if (s === undefined) return;
    if (s.facts.trim() === '') {
      setOutcome('none');
      return;
    }
    onChange(applySuggestion(form, s));
    setOutcome('applied');
  };
  return (
    <Box sx={{ mb: 2 }} data-testid="decision-suggestion">
      <Button
        variant="outlined"
        startIcon={<AutoFixHighIcon />}
        disabled={suggest.pending}
        onClick={() => void run()}
        data-testid="suggest-from-indicators"
        title={t('indicators.suggestNote')}
      >
        {t('indicators.suggest')}
      </Button>
      {suggest.error ? <ErrorView error={suggest.error} /> : null}
      {outcome === 'applied' ? (
        <Alert severity="info" sx={{ mt: 1 }} data-testid="suggestion-applied">
          {t('indicators.suggestApplied')}
        </Alert>
      ) : outcome === 'none' ? (
        <Alert severity="info" sx={{ mt: 1 }} data-testid="suggestion-none">
          {t('indicators.suggestNone')}
        </Alert>
      ) : null}
    </Box>
  );
}
