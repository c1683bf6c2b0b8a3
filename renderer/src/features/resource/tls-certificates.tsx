import { Alert, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { HashText } from '@renderer/components/hash-text';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * The certificate error of the main document (a page captured despite it) and the certificate of
 * every HTTPS origin the page loaded from: a reviewer must see both without opening the manifest.
 */
export function TlsCertificates({ capture }: Readonly<{ capture: CaptureRecord }>) {
  const { t } = useI18n();
  const { tls, certificates = [] } = capture;
  return (
    <>
      {tls?.valid === false ? (
        <Alert severity="error" data-testid="tls-certificate-error" sx={{ mb: 2 }}>
          <Typography variant="body2">{t('resource.tls.certificateError')}</Typography>
          {tls.error ? (
            <Typography variant="body2">
              {t('resource.tls.error')}: <LtrText mono>{tls.error}</LtrText>
            </Typography>
          ) : null}
        </Alert>
      ) : null}
      {certificates.length > 0 ? (
        <>
          <Typography variant="subtitle2" sx={{ mt: 2 }}>
            {t('resource.tls.origins')}
          </Typography>
          <Table size="small" data-testid="tls-origins">
            <TableHead>
              <TableRow>
                <TableCell>{t('resource.tls.origin')}</TableCell>
                <TableCell>{t('resource.tls.subject')}</TableCell>
                <TableCell>{t('resource.tls.validTo')}</TableCell>
                <TableCell>{t('resource.tls.status')}</TableCell>
                <TableCell>{t('resource.tls.fingerprint')}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {certificates.map((c) => (
                <TableRow key={c.origin}>
                  <TableCell>
                    <LtrText>{c.origin}</LtrText>
                  </TableCell>
                  <TableCell>
                    <LtrText>{c.subjectName}</LtrText>
                  </TableCell>
                  <TableCell>
                    <LtrText>{c.validTo}</LtrText>
                  </TableCell>
                  <TableCell>
                    {c.valid ? t('resource.tls.trusted') : t('resource.tls.untrusted')}
                    {c.error ? (
                      <>
                        {' '}
                        <LtrText mono>{c.error}</LtrText>
                      </>
                    ) : null}
                  </TableCell>
                  <TableCell>
                    {c.sha256Fingerprint === null ? (
                      t('common.none')
                    ) : (
                      <HashText value={c.sha256Fingerprint} />
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      ) : null}
    </>
  );
}
