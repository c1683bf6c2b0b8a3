import { Alert, Box, Button, Stack, Tab, Tabs, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { ChangeEvent, FormEvent } from 'react';
import { useAction } from '@renderer/api/api-context';
import { routeHref } from '@renderer/app/routes';
import { ErrorView } from '@renderer/components/error-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';
import { ImportPreviewTable } from './import-preview-table';
import { ImportIndicatorSummary, IntakeIndicatorHints } from './intake-indicator-hints';
import type { ReportDefaults } from './report-fields-form';
import { EMPTY_DEFAULTS, ReportFieldsForm, needsCsamAnswer, toReportFields } from './report-fields-form';

type Mode = 'single' | 'paste' | 'file';
type Source = Readonly<{ fileName: string; content: string }>;

export function IntakeScreen() {
  const { t } = useI18n();
  const [mode, setMode] = useState<Mode>('single');
  const [fields, setFields] = useState<ReportDefaults>(EMPTY_DEFAULTS);
  const [url, setUrl] = useState('');
  const [pasted, setPasted] = useState('');
  const [file, setFile] = useState<Source | null>(null);
  const add = useAction((c, u: string, d: ReportDefaults) =>
    c.call('reports.add', { url: u, ...toReportFields(d) }),
  );
  const capture = useAction((c, id: string) => c.call('capture.enqueue', { resourceIds: [id] }));
  const preview = useAction((c, s: Source, d: ReportDefaults) =>
    c.call('reports.previewImport', { ...s, defaults: toReportFields(d) }),
  );
  const importer = useAction((c, s: Source, d: ReportDefaults) =>
    c.call('reports.import', { ...s, defaults: toReportFields(d) }),
  );
  const source: Source | null =
    mode === 'paste' ? (pasted.trim() === '' ? null : { fileName: 'pasted.txt', content: pasted }) : file;

  const submitSingle = async (event: FormEvent) => {
    event.preventDefault();
    capture.reset();
    await add.run(url.trim(), fields);
  };
  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = event.target.files?.[0];
    if (chosen === undefined) return;
    const content = await chosen.text();
    setFile({ fileName: chosen.name, content });
    preview.reset();
    importer.reset();
  };
  const switchMode = (next: Mode) => {
    setMode(next);
    preview.reset();
    importer.reset();
  };

  return (
    <Box data-testid="screen-intake">
      <Typography variant="h4" component="h1" sx={{ mb: 2 }}>
        {t('intake.title')}
      </Typography>
      <Tabs value={mode} onChange={(_, v: Mode) => switchMode(v)} sx={{ mb: 2 }}>
        <Tab value="single" label={t('intake.single')} data-testid="intake-tab-single" />
        <Tab value="paste" label={t('intake.paste')} data-testid="intake-tab-paste" />
        <Tab value="file" label={t('intake.file')} data-testid="intake-tab-file" />
      </Tabs>
      <Stack spacing={2}>
        {mode === 'single' ? (
          <SectionCard title={t('intake.single')}>
            <Stack component="form" spacing={2} onSubmit={(e) => void submitSingle(e)}>
              <TextField
                label={t('intake.url')}
                helperText={t('intake.urlHelp')}
                value={url}
                onChange={(e) => setUrl(e.target.value)}
                required
                autoFocus
                slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'intake-url', maxLength: 8193 } }}
              />
              <ReportFieldsForm value={fields} onChange={setFields} askSuspectedCsam />
              <Box>
                <Button
                  type="submit"
                  variant="contained"
                  disabled={add.pending || url.trim() === '' || needsCsamAnswer(fields)}
                  data-testid="intake-add"
                >
                  {t('intake.add')}
                </Button>
              </Box>
              {add.error ? <ErrorView error={add.error} /> : null}
              {add.result ? (
                <Alert
                  severity="success"
                  data-testid="intake-result"
                  action={
                    <Box sx={{ display: 'flex', gap: 1 }}>
                      <Button
                        color="inherit"
                        size="small"
                        href={routeHref({ name: 'resource', id: add.result.resource.id })}
                        data-testid="intake-open-resource"
                      >
                        {t('intake.openResource')}
                      </Button>
                      <Button
                        color="inherit"
                        size="small"
                        disabled={capture.pending || capture.result !== undefined}
                        onClick={() => void capture.run(add.result?.resource.id ?? '')}
                        data-testid="intake-capture"
                      >
                        {t('intake.captureNow')}
                      </Button>
                    </Box>
                  }
                >
                  {add.result.merged
                    ? t('intake.merged', { count: add.result.resource.reportCount })
                    : t('intake.added')}{' '}
                  <LtrText>{add.result.resource.displayUrl}</LtrText>
                </Alert>
              ) : null}
              {add.result ? (
                <IntakeIndicatorHints resourceId={add.result.resource.id} url={add.result.resource.url} />
              ) : null}
              {capture.error ? <ErrorView error={capture.error} /> : null}
              {capture.result ? (
                <Alert severity="info" data-testid="intake-queued">
                  {t('intake.queued', { count: capture.result.queued })}
                </Alert>
              ) : null}
            </Stack>
          </SectionCard>
        ) : (
          <SectionCard title={mode === 'paste' ? t('intake.paste') : t('intake.file')}>
            <Stack spacing={2}>
              {mode === 'paste' ? (
                <TextField
                  label={t('intake.paste')}
                  helperText={t('intake.pasteHelp')}
                  value={pasted}
                  onChange={(e) => {
                    setPasted(e.target.value);
                    preview.reset();
                    importer.reset();
                  }}
                  multiline
                  minRows={6}
                  slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'intake-paste' } }}
                />
              ) : (
                <Box>
                  <Button variant="outlined" component="label">
                    {t('intake.chooseFile')}
                    <input
                      type="file"
                      hidden
                      accept=".csv,.txt,text/csv,text/plain"
                      onChange={(e) => void onFile(e)}
                      data-testid="intake-file"
                    />
                  </Button>
                  {file ? (
                    <Typography sx={{ mt: 1 }}>{t('intake.fileName', { name: file.fileName })}</Typography>
                  ) : null}
                </Box>
              )}
              <ReportFieldsForm value={fields} onChange={setFields} />
              <Box sx={{ display: 'flex', gap: 1 }}>
                <Button
                  variant="outlined"
                  disabled={source === null || preview.pending}
                  onClick={() => source && void preview.run(source, fields)}
                  data-testid="intake-preview"
                >
                  {t('intake.preview')}
                </Button>
                <Button
                  variant="contained"
                  disabled={
                    source === null ||
                    preview.result === undefined ||
                    importer.pending ||
                    importer.result !== undefined
                  }
                  onClick={() => source && void importer.run(source, fields)}
                  data-testid="intake-import"
                >
                  {t('intake.confirmImport', { count: preview.result?.lines.length ?? 0 })}
                </Button>
              </Box>
              {preview.error ? <ErrorView error={preview.error} /> : null}
              {importer.error ? <ErrorView error={importer.error} /> : null}
              {importer.result ? (
                <Alert severity="success" data-testid="import-done">
                  {t('intake.importDone', {
                    added: importer.result.added,
                    merged: importer.result.merged,
                    rejected: importer.result.rejected,
                  })}
                </Alert>
              ) : preview.result ? (
                <Alert severity="info">
                  {t('intake.previewSummary', {
                    added: preview.result.added,
                    merged: preview.result.merged,
                    rejected: preview.result.rejected,
                  })}
                </Alert>
              ) : null}
              {importer.result ? <ImportIndicatorSummary lines={importer.result.lines} /> : null}
              {(importer.result ?? preview.result) ? (
                <ImportPreviewTable lines={(importer.result ?? preview.result)?.lines ?? []} />
              ) : null}
            </Stack>
          </SectionCard>
        )}
      </Stack>
    </Box>
  );
}
