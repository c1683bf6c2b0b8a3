import createCache from '@emotion/cache';
import { CacheProvider } from '@emotion/react';
import { CssBaseline, ThemeProvider, createTheme, useMediaQuery } from '@mui/material';
import { useMemo } from 'react';
import type { ReactNode } from 'react';
import rtlPlugin from 'stylis-plugin-rtl';
import { useI18n } from '../i18n/i18n-context';

export type ThemeChoice = 'light' | 'dark' | 'system';

// Separate caches: the RTL one flips every physical property (margin-left → margin-right) at insertion.
const ltrCache = createCache({ key: 'vg' });
const rtlCache = createCache({ key: 'vgrtl', stylisPlugins: [rtlPlugin] });

const FONT =
  '"Noto Sans", "Noto Naskh Arabic", "Noto Sans Arabic", "Segoe UI", system-ui, -apple-system, sans-serif';

export function ThemeRoot({ choice, children }: Readonly<{ choice: ThemeChoice; children: ReactNode }>) {
  const { dir } = useI18n();
  const prefersDark = useMediaQuery('(prefers-color-scheme: dark)');
  const mode = choice === 'system' ? (prefersDark ? 'dark' : 'light') : choice;
  const theme = useMemo(
    () =>
      createTheme({
        direction: dir,
        palette: { mode, primary: { main: mode === 'dark' ? '#8ab4f8' : '#1f4e8c' } },
        typography: { fontFamily: FONT },
        shape: { borderRadius: 6 },
        components: {
          MuiButtonBase: { defaultProps: { disableRipple: false } },
          MuiCssBaseline: {
            styleOverrides: {
              // A strong focus ring: the app is used all day from the keyboard.
              ':focus-visible': { outline: '3px solid #f0a500', outlineOffset: 2 },
            },
          },
        },
      }),
    [dir, mode],
  );
  return (
    <CacheProvider value={dir === 'rtl' ? rtlCache : ltrCache}>
      <ThemeProvider theme={theme}>
        <CssBaseline />
        {children}
      </ThemeProvider>
    </CacheProvider>
  );
}
