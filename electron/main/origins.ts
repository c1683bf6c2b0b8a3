/** The desktop UI's origin. `app` is registered as a standard, secure scheme, so it has a real origin. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'vigil';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Read-only artifacts: `evidence://blob/<sha256>`. */
export const EVIDENCE_SCHEME = 'evidence';
export const EVIDENCE_HOST = 'blob';

/** The two IPC channels of the whole app (DESIGN §2.1). */
export const INVOKE_CHANNEL = 'vigil:invoke';
export const EVENT_CHANNEL = 'vigil:event';

/** True when `raw` parses as a URL on our app origin (any path). */
export function isAppUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST && url.username === '' && url.password === ''
  );
}
