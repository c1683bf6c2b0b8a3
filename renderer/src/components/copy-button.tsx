import ContentCopyIcon from '@mui/icons-material/ContentCopy';
import DoneIcon from '@mui/icons-material/Done';
import { IconButton, Tooltip } from '@mui/material';
import { useState } from 'react';
import { useI18n } from '../i18n/i18n-context';

export function CopyButton({ value, testId }: Readonly<{ value: string; testId?: string }>) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // The clipboard can be denied (insecure origin, no focus): select-and-copy remains possible.
      setCopied(false);
    }
  };
  return (
    <Tooltip title={copied ? t('common.copied') : t('common.copy')}>
      <IconButton size="small" aria-label={t('common.copy')} data-testid={testId} onClick={() => void copy()}>
        {copied ? <DoneIcon fontSize="inherit" /> : <ContentCopyIcon fontSize="inherit" />}
      </IconButton>
    </Tooltip>
  );
}
