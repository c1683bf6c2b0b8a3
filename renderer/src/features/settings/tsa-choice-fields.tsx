import {
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  Radio,
  RadioGroup,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import type { ChangeEvent } from 'react';
import { TsaChoiceInput } from '@shared/contract/methods/custody';
import { useI18n } from '@renderer/i18n/i18n-context';

/** "later" leaves the question open (the dashboard keeps warning); "none" is recorded as a decision. */
export type TsaMode = 'later' | 'none' | 'authority';

export type TsaDraft = Readonly<{
  mode: TsaMode;
  url: string;
  caPem: string;
  qualified: boolean;
  policyOid: string;
}>;

export const EMPTY_TSA_DRAFT: TsaDraft = {
  mode: 'later',
  url: '',
  caPem: '',
  qualified: false,
  policyOid: '',
};

/**
 * The answer for `timestamps.choose`, checked with the contract's own schema: null for "decide
 * later", 'invalid' while an authority lacks its URL or a PEM trust anchor or has a malformed OID.
 */
export function tsaChoiceOf(draft: TsaDraft): TsaChoiceInput | null | 'invalid' {
  if (draft.mode === 'later') return null;
  if (draft.mode === 'none') return { kind: 'none' };
  const policy = draft.policyOid.trim();
  const parsed = TsaChoiceInput.safeParse({
    kind: 'authority',
    url: draft.url.trim(),
    caPem: draft.caPem,
    qualified: draft.qualified,
    policyOid: policy === '' ? null : policy,
  });
  if (!parsed.success || !draft.caPem.includes('-----BEGIN CERTIFICATE-----')) return 'invalid';
  return parsed.data;
}

/** URL, trust anchor (pasted or from a file), eIDAS-qualified flag, policy OID, or an explicit "none". */
export function TsaChoiceFields({
  draft,
  onChange,
  allowLater,
  disabled = false,
  showInvalid = false,
}: Readonly<{
  draft: TsaDraft;
  onChange: (next: TsaDraft) => void;
  /** First run may leave the question for later; Settings asks for an answer. */
  allowLater: boolean;
  disabled?: boolean;
  showInvalid?: boolean;
}>) {
  const { t } = useI18n();
  const set = (patch: Partial<TsaDraft>) => onChange({ ...draft, ...patch });
  const pickFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file === undefined) return;
    set({ caPem: await file.text() });
  };
  const invalid = showInvalid && tsaChoiceOf(draft) === 'invalid';
  return (
    <Stack spacing={1.5} data-testid="tsa-choice">
      <Typography variant="body2" color="text.secondary">
        {t('tsa.intro')}
      </Typography>
      <RadioGroup value={draft.mode} onChange={(e) => set({ mode: e.target.value as TsaMode })}>
        {(allowLater ? (['later', 'authority', 'none'] as const) : (['authority', 'none'] as const)).map(
          (mode) => (
            <FormControlLabel
              key={mode}
              value={mode}
              control={<Radio slotProps={{ input: { 'data-testid': `tsa-mode-${mode}` } as object }} />}
              label={t(`tsa.mode.${mode}`)}
              disabled={disabled}
            />
          ),
        )}
      </RadioGroup>
      {draft.mode === 'authority' ? (
        <>
          <TextField
            label={t('tsa.url')}
            value={draft.url}
            onChange={(e) => set({ url: e.target.value })}
            disabled={disabled}
            error={invalid && draft.url.trim() === ''}
            required
            slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'tsa-url' } }}
          />
          <TextField
            label={t('tsa.caPem')}
            value={draft.caPem}
            onChange={(e) => set({ caPem: e.target.value })}
            disabled={disabled}
            error={invalid}
            helperText={invalid ? t('tsa.invalid') : t('tsa.caPemHelp')}
            multiline
            minRows={3}
            maxRows={8}
            required
            slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'tsa-ca-pem', spellCheck: false } }}
          />
          <Box>
            <Button
              component="label"
              variant="outlined"
              size="small"
              disabled={disabled}
              data-testid="tsa-ca-pick"
            >
              {t('tsa.caFile')}
              <input
                type="file"
                hidden
                accept=".pem,.crt,.cer,application/x-pem-file"
                data-testid="tsa-ca-file"
                onChange={(e) => void pickFile(e)}
              />
            </Button>
          </Box>
          <FormControlLabel
            control={
              <Checkbox
                checked={draft.qualified}
                onChange={(e) => set({ qualified: e.target.checked })}
                disabled={disabled}
                slotProps={{ input: { 'data-testid': 'tsa-qualified' } as object }}
              />
            }
            label={t('tsa.qualified')}
          />
          <TextField
            label={t('tsa.policy')}
            value={draft.policyOid}
            onChange={(e) => set({ policyOid: e.target.value })}
            disabled={disabled}
            helperText={t('tsa.policyHelp')}
            slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'tsa-policy' } }}
          />
        </>
      ) : null}
      {draft.mode === 'none' ? (
        <Typography variant="body2" color="warning.main">
          {t('time.notTimestamped')}
        </Typography>
      ) : null}
    </Stack>
  );
}
