import { Button, Dialog, DialogActions, DialogContent, DialogTitle, List, ListItem } from '@mui/material';
import { useI18n } from '../i18n/i18n-context';

export function ShortcutsDialog({ open, onClose }: Readonly<{ open: boolean; onClose: () => void }>) {
  const { t } = useI18n();
  return (
    <Dialog open={open} onClose={onClose} data-testid="shortcuts-dialog">
      <DialogTitle>{t('shortcuts.title')}</DialogTitle>
      <DialogContent>
        <List dense>
          <ListItem>{t('shortcuts.dashboard')}</ListItem>
          <ListItem>{t('shortcuts.intake')}</ListItem>
          <ListItem>{t('shortcuts.queue')}</ListItem>
          <ListItem>{t('shortcuts.resources')}</ListItem>
          <ListItem>{t('shortcuts.review')}</ListItem>
          <ListItem>{t('shortcuts.audit')}</ListItem>
          <ListItem>{t('shortcuts.search')}</ListItem>
          <ListItem>{t('shortcuts.help')}</ListItem>
        </List>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} autoFocus>
          {t('common.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
