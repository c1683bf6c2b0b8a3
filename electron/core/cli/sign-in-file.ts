import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signInFile } from '../bridge/sign-in-page';

export type SignInFile = Readonly<{ path: string; remove: () => Promise<void> }>;

/**
 * The page `vigil serve` opens in the browser: it posts a one-time token to the bridge. A URL with
 * the token would sit on xdg-open's command line, which every local user can read
 * (/proc/PID/cmdline); this file is 0600 in a 0700 folder, so only this OS account reads it.
 * The token in it expires after a minute and works once; the file is removed when the bridge stops
 * or the minute has passed, whichever comes first.
 */
export async function writeSignInFile(
  bridgeUrl: string,
  token: string,
  lifetimeMs = 60_000,
): Promise<SignInFile> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-sign-in-'));
  const path = join(dir, 'sign-in.html');
  await writeFile(path, signInFile(bridgeUrl, token), { mode: 0o600, flag: 'wx' });
  const remove = () => rm(dir, { recursive: true, force: true });
  const timer = setTimeout(() => void remove().catch(() => undefined), lifetimeMs);
  timer.unref();
  return {
    path,
    remove: async () => {
      clearTimeout(timer);
      await remove();
    },
  };
}
