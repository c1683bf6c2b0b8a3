import { existsSync } from 'node:fs';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '@shared/errors/app-error';

/**
 * How the workstation's private key is kept at rest. The key must sign unattended (capture manifests,
 * bundles, the custody head), so no person's secret can guard it: either the OS account's file
 * permissions (a 0600 host key, like an SSH host key — `vigil serve`, the CLI, workers) or the OS
 * keystore of the logged-in user (Electron `safeStorage`: Keychain, DPAPI, libsecret/kwallet) in the
 * desktop app. Core only sees this interface; the Electron implementation lives in electron/main.
 */
export type KeySealer = Readonly<{
  kind: 'host-file' | 'os-keystore';
  /** What sealed it, as recorded in the sealed file and the custody event (e.g. "electron-safeStorage/kwallet5"). */
  label: string;
  seal: (plain: string) => Buffer;
  unseal: (sealed: Buffer) => string;
  /** Tells the person at the desktop that the key moved (the migration of an older data dir). */
  notify?: (message: string) => void;
}>;

/** The default: the clear PEM in a 0600 file, readable only by the OS account that runs Vigil. */
export const HOST_FILE_SEALER: KeySealer = {
  kind: 'host-file',
  label: 'host-file-0600',
  seal: (plain) => Buffer.from(plain, 'utf8'),
  unseal: (sealed) => sealed.toString('utf8'),
};

export const SEALED_NAME = 'workstation.key.sealed.json';
const SealedFile = z.object({
  format: z.literal('vigil-sealed-key/1'),
  sealer: z.string(),
  sealed: z.string(),
});

const sealedPath = (clearPath: string): string => join(clearPath, '..', SEALED_NAME);

/** True when the data dir holds the workstation key in either form. */
export const workstationKeyExists = (clearPath: string): boolean =>
  existsSync(clearPath) || existsSync(sealedPath(clearPath));

async function writeSealed(clearPath: string, pem: string, sealer: KeySealer): Promise<void> {
  const body = {
    format: 'vigil-sealed-key/1',
    sealer: sealer.label,
    sealed: sealer.seal(pem).toString('base64'),
  };
  const target = sealedPath(clearPath);
  const tmp = `${target}.tmp`;
  await writeFile(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, target);
}

/** Stores a new workstation key; refuses to replace one (a key is created once, never swapped). */
export async function storeWorkstationKey(clearPath: string, pem: string, sealer: KeySealer): Promise<void> {
  if (workstationKeyExists(clearPath))
    throw new AppError('internal.unexpected', 'a workstation key already exists; it is never replaced');
  if (sealer.kind === 'host-file') {
    await writeFile(clearPath, pem, { flag: 'wx', mode: 0o600 });
    await chmod(clearPath, 0o600);
  } else await writeSealed(clearPath, pem, sealer);
}

export type LoadedKey = Readonly<{
  pem: string;
  /** Set when this call moved a clear 0600 key into the OS keystore (a custody event to write). */
  sealedNow: Readonly<{ from: 'host-file'; to: string }> | null;
}>;

/**
 * The workstation key's PEM. With the OS keystore, an older data dir's clear 0600 key is sealed on
 * first use: the sealed file is written and checked first, only then is the clear file removed.
 */
export async function loadWorkstationKey(clearPath: string, sealer: KeySealer): Promise<LoadedKey> {
  const sealedFile = sealedPath(clearPath);
  if (existsSync(sealedFile)) {
    const parsed = SealedFile.safeParse(JSON.parse(await readFile(sealedFile, 'utf8')));
    if (!parsed.success) throw new AppError('custody.key-missing', `${sealedFile} is not a sealed key file`);
    if (sealer.kind === 'host-file')
      throw new AppError(
        'custody.key-missing',
        `the workstation key of this data dir is sealed in the desktop app's OS keystore (${parsed.data.sealer}); open it with the desktop app, or give the CLI and \`vigil serve\` their own data dir`,
      );
    try {
      return { pem: sealer.unseal(Buffer.from(parsed.data.sealed, 'base64')), sealedNow: null };
    } catch (error) {
      throw new AppError(
        'custody.key-missing',
        `the OS keystore cannot unseal the workstation key (${(error as Error).message}); it was sealed by ${parsed.data.sealer} for another OS user or machine`,
      );
    }
  }
  const pem = await readFile(clearPath, 'utf8');
  if (sealer.kind === 'host-file') return { pem, sealedNow: null };
  await writeSealed(clearPath, pem, sealer);
  const check = SealedFile.parse(JSON.parse(await readFile(sealedFile, 'utf8')));
  if (sealer.unseal(Buffer.from(check.sealed, 'base64')) !== pem) {
    await rm(sealedFile, { force: true });
    throw new AppError('custody.key-missing', 'the OS keystore did not give the workstation key back intact');
  }
  await rm(clearPath, { force: true });
  sealer.notify?.(
    `The workstation key (${clearPath}) is now sealed in the OS keystore (${sealer.label}) and the clear file was removed. The CLI and \`vigil serve\` can no longer sign with this data dir; give them their own.`,
  );
  return { pem, sealedNow: { from: 'host-file', to: sealer.label } };
}
