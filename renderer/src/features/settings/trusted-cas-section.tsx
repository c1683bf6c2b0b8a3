import { List, ListItem, ListItemText, Typography } from '@mui/material';
import { useQuery } from '@renderer/api/api-context';
import { EmptyView } from '@renderer/components/empty-view';
import { ErrorView } from '@renderer/components/error-view';
import { LtrText } from '@renderer/components/ltr-text';
import { SectionCard } from '@renderer/components/section-card';
import { useI18n } from '@renderer/i18n/i18n-context';

/**
 * Read-only: this unit's CA fingerprint and the other units' CAs whose bundles are imported.
 * Trust is added and withdrawn with `vigil trust add|remove`, after an out-of-band comparison.
 */
export function TrustedCasSection() {
  const { t } = useI18n();
  const list = useQuery('trust.list', {});
  return (
    <SectionCard title={t('settings.trust')} testId="settings-trust">
      {list.error ? <ErrorView error={list.error} onRetry={list.reload} /> : null}
      {list.data ? (
        <Typography variant="body2" sx={{ mb: 1 }}>
          {t('settings.trust.own')} <LtrText>{list.data.ownCaSha256}</LtrText>
        </Typography>
      ) : null}
      {list.data?.trusted.length === 0 ? <EmptyView text={t('settings.trust.none')} /> : null}
      <List dense>
        {list.data?.trusted.map((ca) => (
          <ListItem key={ca.sha256} divider data-testid="trusted-ca">
            <ListItemText
              primary={ca.name}
              secondary={
                <>
                  <LtrText>{ca.sha256}</LtrText> · <LtrText>{ca.subject}</LtrText> ·{' '}
                  {t('settings.trust.since')} <LtrText>{ca.trustedAt}</LtrText> ({ca.trustedBy})
                </>
              }
            />
          </ListItem>
        ))}
      </List>
      <Typography variant="caption" color="text.secondary">
        {t('settings.trust.how')}
      </Typography>
    </SectionCard>
  );
}
