import { MenuItem, TextField } from '@mui/material';
import { LANGUAGES } from '@shared/domain/resources';
import type { Language } from '@shared/domain/resources';
import { useI18n } from '@renderer/i18n/i18n-context';

export function LanguagePicker({
  onChange,
  compact = false,
}: Readonly<{ onChange?: (language: Language) => void; compact?: boolean }>) {
  const { t, language, setLanguage } = useI18n();
  return (
    <TextField
      select
      size="small"
      label={compact ? undefined : t('settings.language')}
      hiddenLabel={compact}
      value={language}
      onChange={(e) => {
        const next = e.target.value as Language;
        setLanguage(next);
        onChange?.(next);
      }}
      sx={{ minWidth: 130 }}
      slotProps={{
        select: { inputProps: { 'data-testid': 'language-picker', 'aria-label': t('settings.language') } },
      }}
    >
      {LANGUAGES.map((l) => (
        <MenuItem key={l} value={l} lang={l} data-testid={`language-${l}`}>
          {t(`language.${l}`)}
        </MenuItem>
      ))}
    </TextField>
  );
}
