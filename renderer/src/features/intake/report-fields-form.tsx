import { Alert, Box, MenuItem, TextField } from '@mui/material';
import { contentWarningOf } from '@shared/domain/content-warning';
import { CATEGORY_HINTS, SOURCE_TYPES } from '@shared/domain/resources';
import type { CategoryHint, SourceType } from '@shared/domain/resources';
import { useI18n } from '@renderer/i18n/i18n-context';

export type ReportDefaults = Readonly<{
  sourceType: SourceType;
  category: CategoryHint | '';
  reporterRef: string;
  caseRef: string;
  note: string;
  /** The intake question of `minors` reports: suspected child sexual abuse material? ('' = not answered). */
  suspectedCsam: '' | 'yes' | 'no';
}>;

export const EMPTY_DEFAULTS: ReportDefaults = {
  sourceType: 'citizen',
  category: '',
  reporterRef: '',
  caseRef: '',
  note: '',
  suspectedCsam: '',
};

/** A `minors` report needs the suspected-CSAM answer before it can be added. */
export const needsCsamAnswer = (d: ReportDefaults): boolean =>
  d.category === 'minors' && d.suspectedCsam === '';

/** The report fields as the contract expects them: empty strings are left out, not sent as "". */
export function toReportFields(d: ReportDefaults) {
  return {
    sourceType: d.sourceType,
    ...(d.category === '' ? {} : { category: d.category }),
    ...(d.reporterRef.trim() === '' ? {} : { reporterRef: d.reporterRef.trim() }),
    ...(d.caseRef.trim() === '' ? {} : { caseRef: d.caseRef.trim() }),
    ...(d.note.trim() === '' ? {} : { note: d.note.trim() }),
    ...(d.category === 'minors' && d.suspectedCsam !== ''
      ? { suspectedCsam: d.suspectedCsam === 'yes' }
      : {}),
  };
}

export function ReportFieldsForm({
  value,
  onChange,
  askSuspectedCsam = false,
}: Readonly<{
  value: ReportDefaults;
  onChange: (next: ReportDefaults) => void;
  /** Single reports ask the suspected-CSAM question for `minors` (a yes flags the resource). */
  askSuspectedCsam?: boolean;
}>) {
  const { t } = useI18n();
  return (
    <Box
      sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(2, minmax(0, 1fr))' } }}
    >
      <TextField
        select
        label={t('intake.sourceType')}
        value={value.sourceType}
        onChange={(e) => onChange({ ...value, sourceType: e.target.value as SourceType })}
      >
        {SOURCE_TYPES.map((s) => (
          <MenuItem key={s} value={s}>
            {t(`source.${s}`)}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        select
        label={t('intake.category')}
        value={value.category}
        onChange={(e) => onChange({ ...value, category: e.target.value as CategoryHint | '' })}
        slotProps={{ select: { inputProps: { 'data-testid': 'intake-category' } } }}
      >
        <MenuItem value="">{t('common.none')}</MenuItem>
        {CATEGORY_HINTS.map((c) => (
          <MenuItem key={c} value={c}>
            {t(`category.${c}`)}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        label={t('intake.reporterRef')}
        value={value.reporterRef}
        onChange={(e) => onChange({ ...value, reporterRef: e.target.value })}
        slotProps={{ htmlInput: { maxLength: 200 } }}
      />
      <TextField
        label={t('intake.caseRef')}
        value={value.caseRef}
        onChange={(e) => onChange({ ...value, caseRef: e.target.value })}
        slotProps={{ htmlInput: { maxLength: 64, dir: 'ltr', 'data-testid': 'intake-case-ref' } }}
      />
      <TextField
        label={t('intake.note')}
        value={value.note}
        onChange={(e) => onChange({ ...value, note: e.target.value })}
        multiline
        minRows={2}
        sx={{ gridColumn: '1 / -1' }}
        slotProps={{ htmlInput: { maxLength: 5000 } }}
      />
      {askSuspectedCsam && value.category === 'minors' ? (
        <TextField
          select
          required
          label={t('intake.suspectedCsam')}
          value={value.suspectedCsam}
          onChange={(e) =>
            onChange({ ...value, suspectedCsam: e.target.value as ReportDefaults['suspectedCsam'] })
          }
          helperText={t('intake.suspectedCsamHelp')}
          error={value.suspectedCsam === ''}
          sx={{ gridColumn: '1 / -1' }}
          slotProps={{ select: { inputProps: { 'data-testid': 'intake-suspected-csam' } } }}
        >
          <MenuItem value="yes" data-testid="intake-suspected-csam-yes">
            {t('intake.suspectedCsamYes')}
          </MenuItem>
          <MenuItem value="no" data-testid="intake-suspected-csam-no">
            {t('intake.suspectedCsamNo')}
          </MenuItem>
        </TextField>
      ) : null}
      {value.category !== '' && contentWarningOf([value.category]).length > 0 ? (
        <Alert severity="info" sx={{ gridColumn: '1 / -1' }} data-testid="intake-content-warning">
          {t('wellbeing.intakeNote')}
        </Alert>
      ) : null}
    </Box>
  );
}
