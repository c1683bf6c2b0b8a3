import {
  Box,
  Checkbox,
  FormControl,
  FormControlLabel,
  FormHelperText,
  FormLabel,
  ListItemText,
  MenuItem,
  Radio,
  RadioGroup,
  TextField,
} from '@mui/material';
import type { LegalBasis } from '@shared/domain/decision';
import {
  DECISION_KINDS,
  DSA_CATEGORIES,
  DSA_KEYWORDS,
  EXPLANATION_MAX,
  FACTS_MAX,
  MEASURES,
} from '@shared/domain/decision';
import type { DecisionKind, DsaCategory, DsaKeyword, Measure } from '@shared/domain/decision';
import { LANGUAGES, SOURCE_TYPES } from '@shared/domain/resources';
import type { Language, SourceType } from '@shared/domain/resources';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';
import type { DecisionForm, FieldProblems } from './decision-form-state';

/** Every decision field, keyboard-operable; problems are shown once the reviewer has tried to sign. */
export function DecisionFormView({
  form,
  onChange,
  problems,
  showProblems,
  bases,
}: Readonly<{
  form: DecisionForm;
  onChange: (next: DecisionForm) => void;
  problems: FieldProblems;
  showProblems: boolean;
  bases: readonly LegalBasis[];
}>) {
  const { t, number } = useI18n();
  const set = <K extends keyof DecisionForm>(key: K, value: DecisionForm[K]) =>
    onChange({ ...form, [key]: value });
  const problem = (field: keyof FieldProblems): string | undefined => {
    const key = problems[field];
    return showProblems && key !== undefined ? t(key) : undefined;
  };
  const counter = (count: number, max: number) =>
    t('review.counter', { count: number(count), max: number(max) });
  const helper = (field: keyof FieldProblems, extra?: string) => {
    const p = problem(field);
    return p !== undefined ? (extra ? `${p} · ${extra}` : p) : (extra ?? ' ');
  };
  const isApproval = form.decision === 'approve';

  return (
    <Box
      sx={{ display: 'grid', gap: 2, gridTemplateColumns: { xs: '1fr', md: 'repeat(2, minmax(0, 1fr))' } }}
      data-testid="decision-form"
    >
      <FormControl sx={{ gridColumn: '1 / -1' }}>
        <FormLabel id="decision-label">{t('review.decision')}</FormLabel>
        <RadioGroup
          row
          aria-labelledby="decision-label"
          value={form.decision}
          onChange={(e) => set('decision', e.target.value as DecisionKind)}
        >
          {DECISION_KINDS.map((d) => (
            <FormControlLabel
              key={d}
              value={d}
              control={<Radio slotProps={{ input: { 'data-testid': `decision-${d}` } as object }} />}
              label={t(`decision.${d}`)}
            />
          ))}
        </RadioGroup>
      </FormControl>
      <TextField
        select
        label={t('review.measure')}
        value={form.measure}
        onChange={(e) => set('measure', e.target.value as Measure | '')}
        error={problem('measure') !== undefined}
        helperText={helper('measure')}
        required={isApproval}
        slotProps={{ select: { inputProps: { 'data-testid': 'field-measure' } } }}
      >
        <MenuItem value="">{t('common.none')}</MenuItem>
        {MEASURES.map((m) => (
          <MenuItem key={m} value={m}>
            {t(`measure.${m}`)}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        select
        label={t('review.sourceType')}
        value={form.sourceType}
        onChange={(e) => set('sourceType', e.target.value as SourceType | '')}
        error={problem('sourceType') !== undefined}
        helperText={helper('sourceType')}
        required={isApproval}
        slotProps={{ select: { inputProps: { 'data-testid': 'field-sourceType' } } }}
      >
        <MenuItem value="">{t('common.none')}</MenuItem>
        {SOURCE_TYPES.map((s) => (
          <MenuItem key={s} value={s}>
            {t(`source.${s}`)}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        label={t('review.targets')}
        value={form.targets}
        onChange={(e) => set('targets', e.target.value)}
        multiline
        minRows={2}
        error={problem('targets') !== undefined}
        helperText={helper('targets')}
        required={isApproval}
        slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'field-targets' } }}
      />
      <TextField
        label={t('review.territorialScope')}
        value={form.territorialScope}
        onChange={(e) => set('territorialScope', e.target.value)}
        error={problem('territorialScope') !== undefined}
        helperText={helper('territorialScope')}
        required={isApproval}
        slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'field-territorialScope' } }}
      />
      <TextField
        type="date"
        label={t('review.startDate')}
        value={form.startDate}
        onChange={(e) => set('startDate', e.target.value)}
        error={problem('startDate') !== undefined}
        helperText={helper('startDate')}
        required={isApproval}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'field-startDate' } }}
      />
      <TextField
        type="date"
        label={t('review.endDate')}
        value={form.endDate}
        onChange={(e) => set('endDate', e.target.value)}
        error={problem('endDate') !== undefined}
        helperText={helper('endDate')}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'field-endDate' } }}
      />
      <TextField
        select
        label={t('review.legalBasis')}
        value={form.legalBasisIds}
        onChange={(e) => {
          const value = e.target.value as unknown;
          set('legalBasisIds', typeof value === 'string' ? value.split(',') : (value as string[]));
        }}
        error={problem('legalBasisIds') !== undefined}
        helperText={helper('legalBasisIds')}
        required={isApproval}
        sx={{ gridColumn: '1 / -1' }}
        slotProps={{
          select: {
            multiple: true,
            renderValue: (selected) =>
              (selected as string[])
                .map((id) => {
                  const b = bases.find((x) => x.id === id);
                  return b ? `${b.instrument} ${b.article}` : id;
                })
                .join('; '),
            inputProps: { 'data-testid': 'field-legalBasis' },
          },
        }}
      >
        {bases.map((b) => (
          <MenuItem key={b.id} value={b.id} data-testid="legal-basis-option">
            <Checkbox checked={form.legalBasisIds.includes(b.id)} />
            <ListItemText
              primary={
                <>
                  <bdi>{`${b.instrument} ${b.article}`}</bdi> — <bdi>{b.title}</bdi>
                </>
              }
              secondary={
                <>
                  <LtrText>{b.jurisdiction}</LtrText> ·{' '}
                  {t('settings.basis.version', { version: number(b.version) })}
                  {b.example ? ` · ${t('review.exampleBasis')}` : ''}
                </>
              }
            />
          </MenuItem>
        ))}
      </TextField>
      <TextField
        select
        label={t('review.category')}
        value={form.category}
        onChange={(e) => set('category', e.target.value as DsaCategory | '')}
        error={problem('category') !== undefined}
        helperText={helper('category')}
        required={isApproval}
        slotProps={{ select: { inputProps: { 'data-testid': 'field-category' } } }}
      >
        <MenuItem value="">{t('common.none')}</MenuItem>
        {DSA_CATEGORIES.map((c) => (
          <MenuItem key={c} value={c}>
            {t(`dsa.${c}`)}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        select
        label={t('review.keywords')}
        value={form.keywords}
        onChange={(e) => {
          const value = e.target.value as unknown;
          set('keywords', (typeof value === 'string' ? value.split(',') : value) as DsaKeyword[]);
        }}
        helperText=" "
        slotProps={{
          select: {
            multiple: true,
            renderValue: (selected) => (selected as DsaKeyword[]).map((k) => t(`keyword.${k}`)).join('; '),
          },
        }}
      >
        {DSA_KEYWORDS.map((k) => (
          <MenuItem key={k} value={k}>
            <Checkbox checked={form.keywords.includes(k)} />
            <ListItemText primary={t(`keyword.${k}`)} />
          </MenuItem>
        ))}
      </TextField>
      <TextField
        label={t('review.facts')}
        value={form.facts}
        onChange={(e) => set('facts', e.target.value)}
        multiline
        minRows={5}
        required={isApproval}
        error={problem('facts') !== undefined || form.facts.length > FACTS_MAX}
        helperText={helper('facts', counter(form.facts.length, FACTS_MAX))}
        sx={{ gridColumn: '1 / -1' }}
        slotProps={{ htmlInput: { maxLength: FACTS_MAX, dir: 'auto', 'data-testid': 'field-facts' } }}
      />
      <TextField
        label={t('review.explanation')}
        value={form.explanation}
        onChange={(e) => set('explanation', e.target.value)}
        multiline
        minRows={3}
        required
        error={problem('explanation') !== undefined || form.explanation.length > EXPLANATION_MAX}
        helperText={helper('explanation', counter(form.explanation.length, EXPLANATION_MAX))}
        sx={{ gridColumn: '1 / -1' }}
        slotProps={{
          htmlInput: { maxLength: EXPLANATION_MAX, dir: 'auto', 'data-testid': 'field-explanation' },
        }}
      />
      <FormControlLabel
        control={
          <Checkbox
            checked={form.automatedDetection}
            onChange={(e) => set('automatedDetection', e.target.checked)}
          />
        }
        label={t('review.automated')}
      />
      <TextField
        select
        label={t('review.language')}
        value={form.language}
        onChange={(e) => set('language', e.target.value as Language)}
      >
        {LANGUAGES.map((l) => (
          <MenuItem key={l} value={l} lang={l}>
            {t(`language.${l}`)}
          </MenuItem>
        ))}
      </TextField>
      {showProblems && Object.keys(problems).length > 0 ? (
        <FormHelperText error sx={{ gridColumn: '1 / -1' }} role="alert">
          {t('review.fixProblems')}
        </FormHelperText>
      ) : null}
    </Box>
  );
}
