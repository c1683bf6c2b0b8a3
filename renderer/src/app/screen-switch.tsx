import { AuditScreen } from '../features/audit/audit-screen';
import { DashboardScreen } from '../features/dashboard/dashboard-screen';
import { ExportScreen } from '../features/export/export-screen';
import { IntakeScreen } from '../features/intake/intake-screen';
import { QueueScreen } from '../features/queue/queue-screen';
import { ResourceScreen } from '../features/resource/resource-screen';
import { ResourcesScreen } from '../features/resources/resources-screen';
import { ReviewListScreen } from '../features/review/review-list-screen';
import { ReviewScreen } from '../features/review/review-screen';
import { SearchScreen } from '../features/search/search-screen';
import { SettingsScreen } from '../features/settings/settings-screen';
import { StatsScreen } from '../features/stats/stats-screen';
import type { Route } from './routes';
import type { ThemeChoice } from './theme-root';

export function ScreenSwitch({
  route,
  onTheme,
}: Readonly<{ route: Route; onTheme: (choice: ThemeChoice) => void }>) {
  switch (route.name) {
    case 'dashboard':
      return <DashboardScreen />;
    case 'intake':
      return <IntakeScreen />;
    case 'queue':
      return <QueueScreen />;
    case 'resources':
      return <ResourcesScreen />;
    case 'resource':
      return <ResourceScreen key={route.id} id={route.id} />;
    case 'review-list':
      return <ReviewListScreen />;
    case 'review':
      return <ReviewScreen key={route.id} id={route.id} />;
    case 'export':
      return <ExportScreen />;
    case 'audit':
      return <AuditScreen />;
    case 'settings':
      return <SettingsScreen onTheme={onTheme} />;
    case 'search':
      return <SearchScreen initial={route.q} />;
    case 'stats':
      return <StatsScreen />;
  }
}
