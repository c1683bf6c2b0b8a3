import { APP_SCHEME, EVIDENCE_SCHEME } from './origins';

/** `--data DIR` or `--data=DIR` anywhere on the command line (Electron adds its own arguments first). */
export function dataDirFromArgv(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--data') {
      const next = argv[i + 1];
      return next !== undefined && next !== '' && !next.startsWith('--') ? next : null;
    }
    if (arg.startsWith('--data=') && arg.length > '--data='.length) return arg.slice('--data='.length);
  }
  return null;
}

// No http(s), ws(s), file: or chrome-extension: (the PDF plugin is off: webPreferences.plugins is false).
const ALLOWED_SCHEMES = new Set([`${APP_SCHEME}:`, `${EVIDENCE_SCHEME}:`, 'blob:', 'data:', 'devtools:']);

/** What an app window may load at all; http(s), file: and ws: never leave an app window. */
export function isAllowedRequestUrl(raw: string): boolean {
  try {
    return ALLOWED_SCHEMES.has(new URL(raw).protocol);
  } catch {
    return false;
  }
}
