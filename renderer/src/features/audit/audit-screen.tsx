import { Alert, Box, Button, TextField, Typography } from '@mui/material';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useAction, useEvent, useQuery } from '@renderer/api/api-context';
import { AuditTable } from '@renderer/components/audit-table';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LoadingView } from '@renderer/components/loading-view';
import { LtrText } from '@renderer/components/ltr-text';
import { useI18n } from '@renderer/i18n/i18n-context';

type Filter = Readonly<{ subject: string; actor: string; action: string }>;

export function AuditScreen() {
  const { t, number } = useI18n();
  const [draft, setDraft] = useState<Filter>({ subject: '', actor: '', action: '' });
  const [filter, setFilter] = useState<Filter>(draft);
  const [beforeSeq, setBeforeSeq] = useState<number | undefined>(undefined);
  const list = useQuery('audit.list', {
    ...(filter.subject === '' ? {} : { subject: filter.subject }),
    ...(filter.actor === '' ? {} : { actor: filter.actor }),
    ...(filter.action === '' ? {} : { action: filter.action }),
    ...(beforeSeq === undefined ? {} : { beforeSeq }),
    limit: 200,
  });
  const verify = useAction((c) => c.call('audit.verify', {}));
  useEvent('audit.appended', () => {
    if (beforeSeq === undefined) list.reload();
  });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setBeforeSeq(undefined);
    setFilter({ subject: draft.subject.trim(), actor: draft.actor.trim(), action: draft.action.trim() });
  };
  const rows = list.data?.rows ?? [];
  const oldest = rows.length > 0 ? Math.min(...rows.map((r) => r.seq)) : undefined;
  const chain = verify.result;

  return (
    <Box data-testid="screen-audit">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 2, flexWrap: 'wrap' }}>
        <Typography variant="h4" component="h1" sx={{ flexGrow: 1 }}>
          {t('audit.title')}
        </Typography>
        <Button
          variant="outlined"
          onClick={() => void verify.run()}
          disabled={verify.pending}
          data-testid="audit-verify"
        >
          {t('audit.verify')}
        </Button>
      </Box>
      {verify.error ? <ErrorView error={verify.error} /> : null}
      {chain ? (
        <Alert
          severity={chain.ok ? 'success' : 'error'}
          sx={{ mb: 2 }}
          data-testid="audit-chain"
          data-ok={String(chain.ok)}
        >
          {chain.ok ? (
            <>
              {t('audit.chainOk', { rows: number(chain.rows), hash: '' })}
              <LtrText mono>{chain.headHash ?? ''}</LtrText>
            </>
          ) : (
            t('audit.chainBroken', { seq: number(chain.firstBadSeq ?? 0), problem: chain.problem ?? '' })
          )}
        </Alert>
      ) : null}
      <Box component="form" onSubmit={apply} sx={{ display: 'flex', gap: 2, mb: 2, flexWrap: 'wrap' }}>
        {(['subject', 'actor', 'action'] as const).map((field) => (
          <TextField
            key={field}
            size="small"
            label={t(`audit.${field}`)}
            value={draft[field]}
            onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
            slotProps={{ htmlInput: { dir: 'ltr' } }}
          />
        ))}
        <Button type="submit" variant="contained">
          {t('audit.filter')}
        </Button>
      </Box>
      {list.error ? <ErrorView error={list.error} onRetry={list.reload} /> : null}
      {list.data === undefined && !list.error ? <LoadingView /> : null}
      {list.data && rows.length === 0 ? <EmptyView text={t('audit.empty')} /> : null}
      {rows.length > 0 ? (
        <>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            {t('common.total')}: {number(list.data?.total ?? 0)}
          </Typography>
          <AuditTable rows={rows} />
          {oldest !== undefined && oldest > 1 ? (
            <Button sx={{ mt: 2 }} onClick={() => setBeforeSeq(oldest)}>
              {t('audit.older')}
            </Button>
          ) : null}
        </>
      ) : null}
    </Box>
  );
}
