import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import {
  Alert,
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  LinearProgress,
  Link,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { BundleVerifyReport } from '@shared/contract/methods/bundle';
import { useAction, useClient } from '@renderer/api/api-context';
import { ErrorView } from '@renderer/components/error-view';
import { HashText } from '@renderer/components/hash-text';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';
import { IndicatorExportButtons } from '../indicators/indicator-export-buttons';
import { useSession } from '../session/session-context';

function VerifyReportTable({ report }: Readonly<{ report: BundleVerifyReport }>) {
  const { t } = useI18n();
  return (
    <Table size="small" data-testid="verify-checks">
      <TableHead>
        <TableRow>
          <TableCell>{t('export.result')}</TableCell>
          <TableCell>{t('export.check')}</TableCell>
          <TableCell>{t('export.file')}</TableCell>
          <TableCell>{t('common.details')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {report.checks.map((c, i) => (
          <TableRow key={`${i}-${c.check}`} data-testid="verify-check" data-ok={c.ok ? 'true' : 'false'}>
            <TableCell>
              {c.ok ? (
                <CheckCircleIcon color="success" titleAccess={t('export.pass')} />
              ) : (
                <ErrorIcon color="error" titleAccess={t('export.fail')} />
              )}
            </TableCell>
            <TableCell>
              <LtrText mono>{c.check}</LtrText>
            </TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}>
              <LtrText mono>{c.file ?? ''}</LtrText>
            </TableCell>
            <TableCell>
              <bdi>{c.message}</bdi>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** The file name of a path the backend reported (its own separators, whichever OS it runs on). */
const fileNameOf = (path: string): string => path.split(/[\\/]/).pop() ?? '';

/**
 * A ZIP's SHA-256, and in the browser UI (a team server, `vigil serve`) the link that downloads it to
 * this desk: the bundle was written on the server's disk. The desktop shell has no such link.
 */
function DownloadRow({ path, sha256 }: Readonly<{ path: string; sha256: string }>) {
  const { t } = useI18n();
  const client = useClient();
  const href = client.exportDownloadUrl?.(fileNameOf(path));
  return (
    <Box sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
      {href === undefined ? null : (
        <Link href={href} download={fileNameOf(path)} data-testid="export-download">
          {t('export.download')}
        </Link>
      )}
      <HashText value={sha256} />
    </Box>
  );
}

export function ExportScreen() {
  const { t, bytes, number } = useI18n();
  const { user } = useSession();
  const [caseRef, setCaseRef] = useState('');
  const [ids, setIds] = useState('');
  const [outPath, setOutPath] = useState('');
  const [asDirectory, setAsDirectory] = useState(false);
  const [verifyPath, setVerifyPath] = useState('');
  const [missingTarget, setMissingTarget] = useState(false);
  const exporter = useAction((c, input: Parameters<typeof buildInput>[0]) =>
    c.call('bundle.export', buildInput(input)),
  );
  const verify = useAction((c, path: string) => c.call('bundle.verify', { path }));
  const importer = useAction((c, path: string) => c.call('bundle.import', { path }));

  const submitExport = async (event: FormEvent) => {
    event.preventDefault();
    const resourceIds = ids.split(/\s+/).filter((s) => s !== '');
    if (caseRef.trim() === '' && resourceIds.length === 0) {
      setMissingTarget(true);
      return;
    }
    setMissingTarget(false);
    const result = await exporter.run({
      caseRef: caseRef.trim(),
      resourceIds,
      outPath: outPath.trim(),
      asDirectory,
    });
    if (result !== undefined) setVerifyPath(result.path);
  };
  const report = verify.result ?? importer.result?.report;

  return (
    <Box data-testid="screen-export">
      <Typography variant="h4" component="h1" sx={{ mb: 2 }}>
        {t('export.title')}
      </Typography>
      <Stack spacing={2}>
        {user.role !== 'investigator' && user.role !== 'reviewer' && user.role !== 'admin' ? null : (
          <SectionCard title={t('export.run')}>
            <Stack component="form" spacing={2} onSubmit={(e) => void submitExport(e)}>
              <TextField
                label={t('export.caseRef')}
                value={caseRef}
                onChange={(e) => setCaseRef(e.target.value)}
                slotProps={{ htmlInput: { dir: 'ltr', maxLength: 64, 'data-testid': 'export-case' } }}
              />
              <TextField
                label={t('export.resourceIds')}
                value={ids}
                onChange={(e) => setIds(e.target.value)}
                multiline
                minRows={2}
                slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'export-ids' } }}
              />
              <TextField
                label={t('export.outPath')}
                value={outPath}
                onChange={(e) => setOutPath(e.target.value)}
                slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'export-out' } }}
              />
              <FormControlLabel
                control={
                  <Checkbox checked={asDirectory} onChange={(e) => setAsDirectory(e.target.checked)} />
                }
                label={t('export.asDirectory')}
              />
              <Box>
                <Button
                  type="submit"
                  variant="contained"
                  disabled={exporter.pending}
                  data-testid="export-run"
                >
                  {t('export.run')}
                </Button>
              </Box>
              {missingTarget ? <Alert severity="warning">{t('export.needTarget')}</Alert> : null}
              {exporter.pending ? (
                <Box>
                  <Typography variant="body2">{t('export.running')}</Typography>
                  <LinearProgress />
                </Box>
              ) : null}
              {exporter.error ? <ErrorView error={exporter.error} /> : null}
              {exporter.result ? (
                <Alert severity="success" data-testid="export-done">
                  <Typography sx={{ fontWeight: 600 }}>{t('export.done')}</Typography>
                  <LtrText mono testId="export-path">
                    {exporter.result.path}
                  </LtrText>
                  <Typography variant="body2">
                    {t('export.files', {
                      count: number(exporter.result.files),
                      size: bytes(exporter.result.bytes),
                    })}
                  </Typography>
                  {exporter.result.sha256 ? (
                    <DownloadRow path={exporter.result.path} sha256={exporter.result.sha256} />
                  ) : null}
                </Alert>
              ) : null}
              <IndicatorExportButtons
                target={
                  caseRef.trim() !== ''
                    ? { caseRef: caseRef.trim() }
                    : { resourceIds: ids.split(/\s+/).filter((s) => s !== '') }
                }
                disabled={caseRef.trim() === '' && ids.trim() === ''}
              />
            </Stack>
          </SectionCard>
        )}
        <SectionCard title={t('export.verifyTitle')}>
          <Stack spacing={2}>
            <TextField
              label={t('export.verifyPath')}
              value={verifyPath}
              onChange={(e) => setVerifyPath(e.target.value)}
              slotProps={{ htmlInput: { dir: 'ltr', 'data-testid': 'verify-path' } }}
            />
            <Box sx={{ display: 'flex', gap: 1 }}>
              <Button
                variant="contained"
                disabled={verifyPath.trim() === '' || verify.pending}
                onClick={() => {
                  importer.reset();
                  void verify.run(verifyPath.trim());
                }}
                data-testid="verify-run"
              >
                {t('export.verify')}
              </Button>
              <Button
                variant="outlined"
                disabled={verifyPath.trim() === '' || importer.pending}
                onClick={() => {
                  verify.reset();
                  void importer.run(verifyPath.trim());
                }}
              >
                {t('export.import')}
              </Button>
            </Box>
            {verify.pending || importer.pending ? (
              <Box>
                <Typography variant="body2">{t('export.verifying')}</Typography>
                <LinearProgress />
              </Box>
            ) : null}
            {verify.error ? <ErrorView error={verify.error} /> : null}
            {importer.error ? <ErrorView error={importer.error} /> : null}
            {report ? (
              <>
                <Alert
                  severity={report.ok ? 'success' : 'error'}
                  data-testid="verify-result"
                  data-ok={report.ok ? 'true' : 'false'}
                >
                  {report.ok ? t('export.verifyOk') : t('export.verifyFailed')}
                  {importer.result?.imported
                    ? ` ${t('export.imported', { resources: number(importer.result.resources), captures: number(importer.result.captures) })}`
                    : ''}
                </Alert>
                <VerifyReportTable report={report} />
              </>
            ) : null}
          </Stack>
        </SectionCard>
      </Stack>
    </Box>
  );
}

function buildInput(
  v: Readonly<{ caseRef: string; resourceIds: string[]; outPath: string; asDirectory: boolean }>,
) {
  return {
    ...(v.caseRef === '' ? {} : { caseRef: v.caseRef }),
    ...(v.resourceIds.length === 0 ? {} : { resourceIds: v.resourceIds }),
    ...(v.outPath === '' ? {} : { outPath: v.outPath }),
    asDirectory: v.asDirectory,
  };
}
