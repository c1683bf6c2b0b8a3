import {
  Box,
  Button,
  MenuItem,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useState, type ChangeEvent } from 'react';
import type { RestrictedSettings } from '@shared/contract/methods/hashlists';
import { useAction, useQuery } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';

type Screenshots = RestrictedSettings['screenshots'];

/**
 * The administrator's restricted-capture settings: how a restricted capture is photographed
 * (media as grey boxes, or not at all), and the known-hash lists — every imported version with its
 * source, size and who imported it, and an import from a CSV or JSON file (each import is a new
 * version and a custody event; the backend refuses a file with a bad row as a whole).
 */
export function RestrictedCaptureSection() {
  const { t, number, date } = useI18n();
  const settings = useQuery('restricted.settings', {});
  const lists = useQuery('hashlists.list', {});
  const [screenshots, setScreenshots] = useState<Screenshots | null>(null);
  const save = useAction((c, patch: Partial<RestrictedSettings>) =>
    c.call('restricted.settings.update', patch),
  );
  const shown: Screenshots = screenshots ?? settings.data?.screenshots ?? 'placeholders';
  const onSave = async () => {
    if (screenshots === null) return;
    if ((await save.run({ screenshots })) !== undefined) {
      setScreenshots(null);
      settings.reload();
    }
  };

  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const importer = useAction(async (c, chosen: File, listName: string, from: string) =>
    c.call('hashlists.import', {
      name: listName,
      fileName: chosen.name,
      text: await chosen.text(),
      ...(from.trim() === '' ? {} : { source: from.trim() }),
    }),
  );
  const pick = (event: ChangeEvent<HTMLInputElement>) => setFile(event.target.files?.[0] ?? null);
  const onImport = async () => {
    if (file === null || name.trim() === '') return;
    if ((await importer.run(file, name.trim(), source)) !== undefined) {
      setFile(null);
      lists.reload();
    }
  };

  return (
    <SectionCard title={t('restricted.title')} testId="restricted-settings">
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t('restricted.intro')}
      </Typography>
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center', mb: 3 }}>
        <TextField
          size="small"
          select
          label={t('restricted.screenshots')}
          value={shown}
          onChange={(e) => setScreenshots(e.target.value === 'none' ? 'none' : 'placeholders')}
          sx={{ minWidth: 320 }}
          slotProps={{ select: { inputProps: { 'data-testid': 'restricted-screenshots' } } }}
        >
          <MenuItem value="placeholders">{t('restricted.screenshots.placeholders')}</MenuItem>
          <MenuItem value="none">{t('restricted.screenshots.none')}</MenuItem>
        </TextField>
        <Button
          variant="outlined"
          onClick={() => void onSave()}
          disabled={screenshots === null || save.pending}
          data-testid="restricted-save"
        >
          {t('common.save')}
        </Button>
        {settings.data ? (
          <Typography variant="body2" color="text.secondary">
            {t('restricted.pdqDistance', { n: number(settings.data.pdqDistance) })}
          </Typography>
        ) : null}
      </Box>
      {save.error ? <ErrorView error={save.error} /> : null}
      {settings.error ? <ErrorView error={settings.error} onRetry={settings.reload} /> : null}

      <Typography variant="h6" component="h3" sx={{ mb: 1 }}>
        {t('hashlists.title')}
      </Typography>
      {lists.error ? <ErrorView error={lists.error} onRetry={lists.reload} /> : null}
      {lists.data?.length === 0 ? <EmptyView text={t('hashlists.none')} /> : null}
      {lists.data !== undefined && lists.data.length > 0 ? (
        <Table size="small" data-testid="hashlists-table" sx={{ mb: 2 }}>
          <TableHead>
            <TableRow>
              <TableCell>{t('hashlists.name')}</TableCell>
              <TableCell>{t('hashlists.source')}</TableCell>
              <TableCell>{t('hashlists.version')}</TableCell>
              <TableCell>{t('hashlists.entries')}</TableCell>
              <TableCell>{t('hashlists.importedAt')}</TableCell>
              <TableCell>{t('hashlists.importedBy')}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {lists.data.map((v) => (
              <TableRow key={`${v.name}@${v.version}`} data-testid="hashlist-row" data-name={v.name}>
                <TableCell>
                  <LtrText mono>{v.name}</LtrText>
                </TableCell>
                <TableCell>
                  <LtrText>{v.source}</LtrText>
                </TableCell>
                <TableCell>
                  <LtrText mono>{v.version}</LtrText>
                </TableCell>
                <TableCell data-testid="hashlist-entries">{number(v.entryCount)}</TableCell>
                <TableCell>{date(v.importedAt)}</TableCell>
                <TableCell>
                  <LtrText mono>{v.importedBy}</LtrText>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'center' }}>
        <TextField
          size="small"
          label={t('hashlists.name')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          slotProps={{ htmlInput: { maxLength: 100, 'data-testid': 'hashlist-name' } }}
        />
        <TextField
          size="small"
          label={t('hashlists.source')}
          value={source}
          onChange={(e) => setSource(e.target.value)}
          slotProps={{ htmlInput: { maxLength: 500, 'data-testid': 'hashlist-source' } }}
        />
        <Button component="label" variant="outlined" size="small" data-testid="hashlist-pick">
          {file === null ? t('hashlists.chooseFile') : file.name}
          <input
            type="file"
            hidden
            accept=".csv,.json,text/csv,application/json"
            data-testid="hashlist-file"
            onChange={pick}
          />
        </Button>
        <Button
          variant="contained"
          onClick={() => void onImport()}
          disabled={file === null || name.trim() === '' || importer.pending}
          data-testid="hashlist-import"
        >
          {t('hashlists.import')}
        </Button>
      </Box>
      <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 1 }}>
        {t('hashlists.format')}
      </Typography>
      {importer.error ? <ErrorView error={importer.error} /> : null}
    </SectionCard>
  );
}
