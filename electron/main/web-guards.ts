import { parseExternalUrl } from './external-links';
import { parseEvidenceUrl } from './evidence-protocol';

/** Electron's permission request handler, structurally: every request is answered no. */
export const denyPermissionRequest = (
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
): void => callback(false);

/** Electron's permission check handler: nothing is ever granted (camera, geolocation, clipboard read, …). */
export const denyPermissionCheck = (): boolean => false;

/** USB/HID/serial/Bluetooth device access. */
export const denyDevicePermission = (): boolean => false;

export type NavigationVerdict =
  /** Refused; if the target was a proper http(s) link the user may still open it outside the app. */
  | Readonly<{ action: 'deny'; external: string | null }>
  /** A subframe (the UI's <object>/<iframe>) showing one read-only artifact. */
  | Readonly<{ action: 'allow' }>;

/**
 * Navigation of an app window. The main frame never leaves the app page (the UI routes with the URL
 * hash, which does not navigate); a subframe may only show an evidence:// artifact, which is served
 * sandboxed. An http(s) target is offered to the system browser after confirmation, never loaded here.
 */
export function navigationVerdict(rawUrl: string, isMainFrame: boolean): NavigationVerdict {
  if (!isMainFrame && parseEvidenceUrl(rawUrl) !== null) return { action: 'allow' };
  return { action: 'deny', external: parseExternalUrl(rawUrl) };
}

/** `window.open` and `target=_blank`: never a new Electron window; http(s) goes to the confirm flow. */
export function windowOpenVerdict(rawUrl: string): Readonly<{ action: 'deny'; external: string | null }> {
  return { action: 'deny', external: parseExternalUrl(rawUrl) };
}
