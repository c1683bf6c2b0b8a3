import DashboardIcon from '@mui/icons-material/Dashboard';
import FactCheckIcon from '@mui/icons-material/FactCheck';
import GavelIcon from '@mui/icons-material/Gavel';
import HistoryIcon from '@mui/icons-material/History';
import InsightsIcon from '@mui/icons-material/Insights';
import InventoryIcon from '@mui/icons-material/Inventory2';
import KeyboardIcon from '@mui/icons-material/Keyboard';
import LogoutIcon from '@mui/icons-material/Logout';
import PlaylistAddIcon from '@mui/icons-material/PlaylistAdd';
import SearchIcon from '@mui/icons-material/Search';
import SettingsIcon from '@mui/icons-material/Settings';
import SwitchAccountIcon from '@mui/icons-material/SwitchAccount';
import ViewListIcon from '@mui/icons-material/ViewList';
import {
  AppBar,
  Box,
  IconButton,
  List,
  ListItemButton,
  ListItemIcon,
  ListItemText,
  Toolbar,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import type { ReactNode } from 'react';
import type { Role } from '@shared/domain/users';
import { useSession } from '../features/session/session-context';
import { LanguagePicker } from '../features/session/language-picker';
import { ExposureCounter } from '../features/wellbeing/exposure-counter';
import type { MessageKey } from '../i18n/en';
import { useI18n } from '../i18n/i18n-context';
import type { Route } from './routes';
import { routeHref } from './routes';
import { ShortcutsDialog } from './shortcuts-dialog';
import { navigate } from './use-route';
import { useShortcuts } from './use-shortcuts';

type NavItem = Readonly<{
  route: Route;
  label: MessageKey;
  icon: ReactNode;
  roles?: readonly Role[];
  match: Route['name'][];
}>;

const NAV: readonly NavItem[] = [
  { route: { name: 'dashboard' }, label: 'nav.dashboard', icon: <DashboardIcon />, match: ['dashboard'] },
  {
    route: { name: 'intake' },
    label: 'nav.intake',
    icon: <PlaylistAddIcon />,
    roles: ['investigator', 'admin'],
    match: ['intake'],
  },
  { route: { name: 'queue' }, label: 'nav.queue', icon: <HistoryIcon />, match: ['queue'] },
  {
    route: { name: 'resources' },
    label: 'nav.resources',
    icon: <ViewListIcon />,
    match: ['resources', 'resource'],
  },
  {
    route: { name: 'review-list' },
    label: 'nav.review',
    icon: <GavelIcon />,
    match: ['review-list', 'review'],
  },
  { route: { name: 'export' }, label: 'nav.export', icon: <InventoryIcon />, match: ['export'] },
  { route: { name: 'audit' }, label: 'nav.audit', icon: <FactCheckIcon />, match: ['audit'] },
  { route: { name: 'stats' }, label: 'nav.stats', icon: <InsightsIcon />, match: ['stats'] },
  { route: { name: 'search', q: '' }, label: 'nav.search', icon: <SearchIcon />, match: ['search'] },
  { route: { name: 'settings' }, label: 'nav.settings', icon: <SettingsIcon />, match: ['settings'] },
];

export function AppShell({
  route,
  onSignOut,
  children,
}: Readonly<{ route: Route; onSignOut: () => void; children: ReactNode }>) {
  const { t } = useI18n();
  const { user } = useSession();
  const [help, setHelp] = useState(false);
  useShortcuts((target) => {
    switch (target) {
      case 'dashboard':
        return navigate({ name: 'dashboard' });
      case 'intake':
        return navigate({ name: 'intake' });
      case 'queue':
        return navigate({ name: 'queue' });
      case 'resources':
        return navigate({ name: 'resources' });
      case 'review':
        return navigate({ name: 'review-list' });
      case 'audit':
        return navigate({ name: 'audit' });
      case 'search': {
        navigate({ name: 'search', q: '' });
        // The search screen may already be mounted: focus its field directly too.
        document.getElementById('search-input')?.focus();
        return;
      }
      case 'help':
        return setHelp(true);
    }
  });
  const items = NAV.filter((item) => item.roles === undefined || item.roles.includes(user.role));
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', height: '100vh' }}>
      <Box
        component="a"
        href="#main"
        sx={{
          position: 'absolute',
          insetInlineStart: -9999,
          '&:focus': { insetInlineStart: 8, top: 8, zIndex: 2000, bgcolor: 'background.paper', p: 1 },
        }}
      >
        {t('app.skipToContent')}
      </Box>
      <AppBar position="static" elevation={0} color="primary">
        <Toolbar variant="dense" sx={{ gap: 2 }}>
          <Typography variant="h6" component="div" sx={{ fontWeight: 700 }}>
            {t('app.name')}
          </Typography>
          <Typography variant="body2" sx={{ opacity: 0.85, flexGrow: 1 }} noWrap>
            {t('app.tagline')}
          </Typography>
          <ExposureCounter />
          <Typography variant="body2" data-testid="current-user" noWrap>
            {t('nav.signedInAs', { name: user.displayName || user.name, role: t(`role.${user.role}`) })}
          </Typography>
          <Box sx={{ bgcolor: 'background.paper', borderRadius: 1 }}>
            <LanguagePicker compact />
          </Box>
          <Tooltip title={t('nav.shortcuts')}>
            <IconButton color="inherit" aria-label={t('nav.shortcuts')} onClick={() => setHelp(true)}>
              <KeyboardIcon />
            </IconButton>
          </Tooltip>
          <Tooltip title={t('nav.switchUser')}>
            <IconButton
              color="inherit"
              aria-label={t('nav.switchUser')}
              onClick={onSignOut}
              data-testid="switch-user"
            >
              <SwitchAccountIcon />
            </IconButton>
          </Tooltip>
          <Tooltip title={t('nav.signOut')}>
            <IconButton
              color="inherit"
              aria-label={t('nav.signOut')}
              onClick={onSignOut}
              data-testid="sign-out"
            >
              <LogoutIcon />
            </IconButton>
          </Tooltip>
        </Toolbar>
      </AppBar>
      <Box sx={{ display: 'flex', flex: 1, minHeight: 0 }}>
        <Box
          component="nav"
          aria-label={t('nav.main')}
          data-testid="main-nav"
          sx={{ width: 240, flexShrink: 0, borderInlineEnd: 1, borderColor: 'divider', overflowY: 'auto' }}
        >
          <List>
            {items.map((item) => {
              const active = item.match.includes(route.name);
              return (
                <ListItemButton
                  key={item.label}
                  component="a"
                  href={routeHref(item.route)}
                  selected={active}
                  aria-current={active ? 'page' : undefined}
                  data-testid={`nav-${item.route.name}`}
                >
                  <ListItemIcon sx={{ minWidth: 40 }}>{item.icon}</ListItemIcon>
                  <ListItemText primary={t(item.label)} />
                </ListItemButton>
              );
            })}
          </List>
        </Box>
        <Box component="main" id="main" tabIndex={-1} sx={{ flex: 1, minWidth: 0, overflow: 'auto', p: 3 }}>
          {children}
        </Box>
      </Box>
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
    </Box>
  );
}
