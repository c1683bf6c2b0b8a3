import { createHash, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError, isAppError } from '@shared/errors/app-error';
import type { DataPaths } from '../data-dir';
import { decryptSecret, EncryptedSecret, encryptSecret } from './secrets';
import type { LocalCa } from './x509';

/**
 * The local CA's private key at rest. It can mint a "reviewer" certificate, so it is never written in
 * the clear: it is sealed (scrypt + AES-256-GCM, like user keys) under the CA passphrase chosen at
 * `init` and unlocked only for one act that issues or revokes a certificate.
 *
 * States of a data dir, read from `keys/` on every call so that several processes agree:
 * - `passphrase`: `ca.key.enc.json` sealed under the CA passphrase — the normal state.
 * - `host-sealed`: `ca.key.enc.json` sealed under a key derived from the workstation key, the interim
 *   state of a data dir opened before anyone chose a CA passphrase (the desktop app opens its data dir
 *   before the first-run setup asks for one). The first passphrase given seals it for good.
 * - `clear`: `ca.key.pem` — a data dir made before keys were sealed; migrated by the first act that
 *   gives a passphrase (`vigil keys protect-ca --ca-passphrase-file F`).
 * - `absent`: only the CA certificate (an organisation's CA, or a lost key): nothing can be issued here.
 */
export type CaKeyState = 'passphrase' | 'host-sealed' | 'clear' | 'absent';

const SealedCaKey = z.object({
  v: z.literal(1),
  protection: z.enum(['passphrase', 'host']),
  secret: EncryptedSecret,
});

export type CaKeyStore = Readonly<{
  certPem: string;
  state: () => Promise<CaKeyState>;
  /**
   * The CA with its private key for one issuing act. In the `passphrase` state the passphrase is
   * required and checked (GCM authentication); a wrong one yields `ca.wrong-passphrase` and nothing.
   */
  unlock: (passphrase: string | undefined) => Promise<LocalCa>;
  /**
   * Seals a `host-sealed` or `clear` key under `passphrase` and removes the weaker copy. Returns the
   * state it moved from, or null when the key was already under a passphrase (then it only checks it).
   */
  protect: (passphrase: string) => Promise<Exclude<CaKeyState, 'passphrase' | 'absent'> | null>;
}>;

const PRIVATE = 0o600;

async function writeNew(path: string, content: string): Promise<void> {
  // 'wx': a sealed key is written once; a second writer racing this one fails instead of replacing it.
  await writeFile(path, content, { flag: 'wx', mode: PRIVATE });
  await chmod(path, PRIVATE);
}

/** The host sealing secret: bound to the workstation key, so the sealed file alone reveals nothing. */
function hostSecret(workstationKey: KeyObject): string {
  const der = workstationKey.export({ type: 'pkcs8', format: 'der' });
  return createHash('sha256').update('vigil-ca-host-seal\0').update(der).digest('hex');
}

async function sealed(secret: Buffer, password: string, protection: 'passphrase' | 'host'): Promise<string> {
  const body = { v: 1, protection, secret: await encryptSecret(secret, password) };
  return `${JSON.stringify(body, null, 2)}\n`;
}

async function readSealed(path: string): Promise<z.infer<typeof SealedCaKey>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    json = null;
  }
  const parsed = SealedCaKey.safeParse(json);
  if (!parsed.success) throw new AppError('ca.key-unavailable', `${path} is not a sealed CA key`);
  return parsed.data;
}

async function openSealed(
  path: string,
  password: string,
  protection: 'passphrase' | 'host',
): Promise<string> {
  const stored = await readSealed(path);
  if (stored.protection !== protection)
    throw new AppError('ca.key-unavailable', `${path} is not sealed the expected way`);
  try {
    const der = await decryptSecret(stored.secret, password);
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
      .export({ type: 'pkcs8', format: 'pem' })
      .toString();
  } catch (error) {
    if (isAppError(error) && error.code === 'user.wrong-password')
      throw new AppError('ca.wrong-passphrase', 'the CA passphrase is wrong; nothing was issued or changed');
    throw error;
  }
}

const pemToDer = (keyPem: string): Buffer =>
  createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });

/** Writes a freshly created CA key: under the passphrase when one was chosen, else host-sealed. */
export async function storeNewCaKey(
  paths: DataPaths,
  keyPem: string,
  passphrase: string | undefined,
  workstationKey: KeyObject,
): Promise<void> {
  const der = pemToDer(keyPem);
  await writeNew(
    paths.caKey,
    passphrase !== undefined
      ? await sealed(der, passphrase, 'passphrase')
      : await sealed(der, hostSecret(workstationKey), 'host'),
  );
}

export async function caKeyState(paths: DataPaths): Promise<CaKeyState> {
  if (existsSync(paths.caKey))
    return (await readSealed(paths.caKey)).protection === 'passphrase' ? 'passphrase' : 'host-sealed';
  if (existsSync(paths.caKeyClear)) return 'clear';
  return 'absent';
}

export function createCaKeyStore(
  paths: DataPaths,
  certPem: string,
  workstationKey: () => KeyObject,
): CaKeyStore {
  const state = (): Promise<CaKeyState> => caKeyState(paths);

  const keyPemFor = async (passphrase: string | undefined): Promise<string> => {
    const now = await state();
    switch (now) {
      case 'passphrase':
        if (passphrase === undefined || passphrase === '')
          throw new AppError(
            'ca.passphrase-required',
            'this needs the CA passphrase (vigil: --ca-passphrase-file FILE)',
          );
        return openSealed(paths.caKey, passphrase, 'passphrase');
      case 'host-sealed':
        return openSealed(paths.caKey, hostSecret(workstationKey()), 'host');
      case 'clear':
        return readFile(paths.caKeyClear, 'utf8');
      case 'absent':
        throw new AppError(
          'ca.key-unavailable',
          `no CA private key in ${paths.keys}: certificates for this CA are issued outside Vigil`,
        );
    }
  };

  const protect: CaKeyStore['protect'] = async (passphrase) => {
    if (passphrase === '') throw new AppError('input.invalid', 'the CA passphrase must not be empty');
    const from = await state();
    if (from === 'absent') {
      await keyPemFor(undefined);
      return null;
    }
    if (from === 'passphrase') {
      await keyPemFor(passphrase);
      return null;
    }
    const keyPem = await keyPemFor(undefined);
    const body = await sealed(pemToDer(keyPem), passphrase, 'passphrase');
    if (from === 'clear') {
      // The sealed copy first, then the clear one goes (a crash in between leaves both, and the sealed
      // one wins). rm does not scrub disk blocks: the README says so.
      await writeNew(paths.caKey, body);
      await rm(paths.caKeyClear, { force: true });
    } else {
      const tmp = `${paths.caKey}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      await writeNew(tmp, body);
      await rename(tmp, paths.caKey);
    }
    // Two processes protecting at once: the last rename wins; the loser learns it here, not later.
    await openSealed(paths.caKey, passphrase, 'passphrase');
    return from;
  };

  return {
    certPem,
    state,
    async unlock(passphrase) {
      const now = await state();
      // A clear key is migrated by the first act that brings a passphrase; without one it is refused,
      // so an old data dir cannot go on issuing from an unprotected key.
      if (now === 'clear' && (passphrase === undefined || passphrase === ''))
        throw new AppError(
          'ca.passphrase-required',
          'the CA private key of this data dir is stored unencrypted: choose a CA passphrase with ' +
            '`vigil keys protect-ca --ca-passphrase-file FILE` (or give one to this command)',
        );
      if (now !== 'passphrase' && passphrase !== undefined && passphrase !== '') await protect(passphrase);
      return { keyPem: await keyPemFor(passphrase), certPem };
    },
    protect,
  };
}
