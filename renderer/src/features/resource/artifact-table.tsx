import { Table, TableBody, TableCell, TableHead, TableRow } from '@mui/material';
import type { Artifact } from '@shared/domain/capture-record';
import { HashText } from '@renderer/components/hash-text';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';

export function ArtifactTable({ artifacts }: Readonly<{ artifacts: readonly Artifact[] }>) {
  const { t, bytes } = useI18n();
  return (
    <Table size="small" data-testid="artifact-table">
      <TableHead>
        <TableRow>
          <TableCell>{t('resource.artifact.kind')}</TableCell>
          <TableCell>{t('resource.artifact.name')}</TableCell>
          <TableCell>{t('resource.artifact.size')}</TableCell>
          <TableCell>{t('resource.artifact.sha256')}</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {artifacts.map((a) => (
          <TableRow key={`${a.sha256}-${a.name}`} data-testid="artifact-row">
            <TableCell>
              <LtrText mono>{a.kind}</LtrText>
            </TableCell>
            <TableCell sx={{ overflowWrap: 'anywhere' }}>
              <LtrText>{a.name}</LtrText>
            </TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }} title={String(a.bytes)}>
              {bytes(a.bytes)}
            </TableCell>
            <TableCell>
              <HashText value={a.sha256} short />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
