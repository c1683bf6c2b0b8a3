import { Chip } from '@mui/material';
import type { ResourceState } from '@shared/domain/resources';
import { useI18n } from '../i18n/i18n-context';

type Tone = 'default' | 'info' | 'success' | 'warning' | 'error' | 'secondary';

const tone = (state: ResourceState): Tone => {
  switch (state) {
    case 'reported':
      return 'default';
    case 'captured':
      return 'info';
    case 'capture_failed':
      return 'error';
    case 'in_review':
      return 'secondary';
    case 'approved':
      return 'success';
    case 'rejected':
      return 'default';
    case 'needs_recapture':
      return 'warning';
    case 'blocked':
      return 'success';
    case 'block_verified':
      return 'success';
    case 'lifted':
      return 'default';
  }
};

export function StateChip({ state }: Readonly<{ state: ResourceState }>) {
  const { t } = useI18n();
  return (
    <Chip
      size="small"
      color={tone(state)}
      variant="outlined"
      label={t(`state.${state}`)}
      data-testid="state-chip"
      data-state={state}
    />
  );
}
