import type { Envelope } from '@shared/contract/envelope';
import type { Session } from '../core/rpc/dispatch';

/**
 * Two calls that only the desktop app answers, on the same invoke channel as the contract (so the
 * preload stays `{ invoke, subscribe, artifactUrl }`): they open a native dialog and return the chosen
 * absolute path, or null when the user cancelled. The path then goes to `bundle.export` (`outPath`) or
 * `bundle.import`/`bundle.verify` (`path`) like any typed path. Over the HTTP bridge these names are
 * unknown methods, and the UI falls back to its text field.
 */
export const DESKTOP_METHODS = ['desktop.chooseExportFolder', 'desktop.chooseBundleFile'] as const;
export type DesktopMethod = (typeof DESKTOP_METHODS)[number];

export const isDesktopMethod = (name: string): name is DesktopMethod =>
  (DESKTOP_METHODS as readonly string[]).includes(name);

export type DesktopDialogs = Readonly<{
  chooseExportFolder: () => Promise<string | null>;
  chooseBundleFile: () => Promise<string | null>;
}>;

/**
 * `granted` collects the paths the user chose in these dialogs: the backend accepts a wire path
 * outside exports/ only when it is one of them (or, for a chosen folder, a new name directly in it).
 */
export async function runDesktopMethod(
  method: DesktopMethod,
  session: Session,
  dialogs: DesktopDialogs,
  granted?: Set<string>,
): Promise<Envelope<unknown>> {
  if (session.user === null)
    return { ok: false, error: { code: 'auth.not-signed-in', message: 'sign in first' } };
  const path =
    method === 'desktop.chooseExportFolder'
      ? await dialogs.chooseExportFolder()
      : await dialogs.chooseBundleFile();
  if (path !== null) granted?.add(path);
  return { ok: true, value: { path } };
}
