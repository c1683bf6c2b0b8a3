import { Box, Button, Chip, List, ListItem, ListItemText, MenuItem, TextField } from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { DSA_CATEGORIES } from '@shared/domain/decision';
import type { DsaCategory } from '@shared/domain/decision';
import { useAction, useQuery } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';

type Draft = Readonly<{
  jurisdiction: string;
  instrument: string;
  article: string;
  title: string;
  referenceUrl: string;
  defaultCategory: DsaCategory | '';
}>;
const EMPTY: Draft = {
  jurisdiction: '',
  instrument: '',
  article: '',
  title: '',
  referenceUrl: '',
  defaultCategory: '',
};

export function BasisSection({ isAdmin }: Readonly<{ isAdmin: boolean }>) {
  const { t, number } = useI18n();
  const list = useQuery('basis.list', {});
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const save = useAction((c, d: Draft) =>
    c.call('basis.save', {
      ...d,
      defaultCategory: d.defaultCategory === '' ? null : d.defaultCategory,
      example: false,
    }),
  );
  const complete =
    draft.jurisdiction !== '' && draft.instrument !== '' && draft.article !== '' && draft.title !== '';
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!complete) return;
    const saved = await save.run(draft);
    if (saved !== undefined) {
      setDraft(EMPTY);
      list.reload();
    }
  };
  return (
    <SectionCard title={t('settings.basis')} testId="settings-basis">
      {list.error ? <ErrorView error={list.error} onRetry={list.reload} /> : null}
      {list.data?.length === 0 ? <EmptyView text={t('common.empty')} /> : null}
      <List dense sx={{ maxHeight: 320, overflow: 'auto' }}>
        {list.data?.map((b) => (
          <ListItem key={`${b.id}-${b.version}`} divider>
            <ListItemText
              primary={
                <>
                  <bdi>{`${b.instrument} ${b.article}`}</bdi> — <bdi>{b.title}</bdi>{' '}
                  {b.example ? <Chip size="small" color="warning" label={t('review.exampleBasis')} /> : null}
                </>
              }
              secondary={
                <>
                  <LtrText>{b.jurisdiction}</LtrText> ·{' '}
                  {t('settings.basis.version', { version: number(b.version) })} ·{' '}
                  <LtrText>{b.referenceUrl}</LtrText>
                </>
              }
            />
          </ListItem>
        ))}
      </List>
      {isAdmin ? (
        <Box
          component="form"
          onSubmit={(e) => void submit(e)}
          sx={{
            display: 'grid',
            gap: 2,
            mt: 2,
            gridTemplateColumns: { xs: '1fr', md: 'repeat(3, minmax(0, 1fr))' },
          }}
        >
          {(['jurisdiction', 'instrument', 'article', 'title', 'referenceUrl'] as const).map((field) => (
            <TextField
              key={field}
              size="small"
              label={t(`settings.basis.${field}`)}
              value={draft[field]}
              onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
              required={field !== 'referenceUrl'}
              slotProps={{ htmlInput: field === 'referenceUrl' ? { dir: 'ltr' } : {} }}
            />
          ))}
          <TextField
            select
            size="small"
            label={t('settings.basis.defaultCategory')}
            value={draft.defaultCategory}
            onChange={(e) => setDraft({ ...draft, defaultCategory: e.target.value as DsaCategory | '' })}
          >
            <MenuItem value="">{t('common.none')}</MenuItem>
            {DSA_CATEGORIES.map((c) => (
              <MenuItem key={c} value={c}>
                {t(`dsa.${c}`)}
              </MenuItem>
            ))}
          </TextField>
          <Box>
            <Button type="submit" variant="outlined" disabled={!complete || save.pending}>
              {t('settings.basis.add')}
            </Button>
          </Box>
        </Box>
      ) : null}
      {save.error ? <ErrorView error={save.error} /> : null}
    </SectionCard>
  );
}
