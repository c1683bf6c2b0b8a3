import { useState } from 'react';
import type { Client } from '@shared/contract/client';
import { ApiProvider, useAction, useQuery } from '../api/api-context';
import { ErrorView } from '../components/error-view';
import { LoadingView } from '../components/loading-view';
import { SessionProvider } from '../features/session/session-context';
import { SetupScreen } from '../features/session/setup-screen';
import { SignInScreen } from '../features/session/sign-in-screen';
import { I18nProvider } from '../i18n/i18n-context';
import { AppShell } from './app-shell';
import { ScreenSwitch } from './screen-switch';
import type { ThemeChoice } from './theme-root';
import { ThemeRoot } from './theme-root';
import { useRoute } from './use-route';

const THEME_KEY = 'vigil.theme';

const storedTheme = (): ThemeChoice => {
  try {
    const value = window.localStorage.getItem(THEME_KEY);
    if (value === 'light' || value === 'dark' || value === 'system') return value;
  } catch {
    // No storage: fall through to the default.
  }
  return 'light';
};

export function AppRoot({ client }: Readonly<{ client: Client }>) {
  const [theme, setThemeState] = useState<ThemeChoice>(storedTheme);
  const setTheme = (next: ThemeChoice) => {
    setThemeState(next);
    try {
      window.localStorage.setItem(THEME_KEY, next);
    } catch {
      // Applies to this window only.
    }
  };
  return (
    <ApiProvider client={client}>
      <I18nProvider>
        <ThemeRoot choice={theme}>
          <Gate onTheme={setTheme} />
        </ThemeRoot>
      </I18nProvider>
    </ApiProvider>
  );
}

function Gate({ onTheme }: Readonly<{ onTheme: (choice: ThemeChoice) => void }>) {
  const route = useRoute();
  const status = useQuery('session.status', {});
  const signOut = useAction((c) => c.call('session.signOut', {}));
  if (status.data === undefined) {
    if (status.error) return <ErrorView error={status.error} onRetry={status.reload} />;
    return <LoadingView />;
  }
  const { data } = status;
  if (!data.initialized) return <SetupScreen onDone={status.reload} />;
  if (data.user === null) return <SignInScreen onSignedIn={status.reload} />;
  const onSignOut = async () => {
    await signOut.run();
    status.reload();
  };
  return (
    <SessionProvider session={{ status: data, user: data.user, refresh: status.reload }}>
      <AppShell route={route} onSignOut={() => void onSignOut()}>
        <ScreenSwitch route={route} onTheme={onTheme} />
      </AppShell>
    </SessionProvider>
  );
}
