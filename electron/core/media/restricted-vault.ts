import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '@shared/errors/app-error';
import type { MediaHashes, WithheldItem, WithheldSink } from '../capture/media-withholding';
import type { KeySealer } from '../custody/key-sealer';
import { csamAuthorised } from '../db/repositories/wellbeing-repo';
import type { Session } from '../rpc/dispatch';
import type { SettingsService } from '../settings/settings-service';
import type { Workspace } from '../workspace';

/**
 * The restricted vault: where a deployment whose policy is `vault` keeps the media a restricted
 * capture withholds, instead of dropping them. Invariants:
 * - plaintext never touches the disk: each item is one file `<data>/vault/<sha256>.vgv`, AES-256-GCM
 *   under the vault's data key with a fresh random 96-bit IV, the item's SHA-256 (hex) as additional
 *   authenticated data, so a file renamed to another item's name does not decrypt;
 * - the data key is random, made once, and kept sealed exactly as the workstation key is (the
 *   deployment's KeySealer: the OS keystore in the desktop app, a 0600 file otherwise);
 * - only a signed-in user holding the `csam_authorised` authorisation reads an item, and every
 *   read — and every refused read — is a custody event, as is every item kept.
 */

const MAGIC = Buffer.from('VGV1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEX64 = /^[0-9a-f]{64}$/;

export const VAULT_KEY_NAME = 'vault.key.sealed.json';

const SealedVaultKey = z.object({
  format: z.literal('vigil-vault-key/1'),
  sealer: z.string(),
  sealed: z.string(),
});

export type RestrictedVault = Readonly<{
  dir: string;
  /** Encrypts and keeps one withheld item (idempotent: the same bytes are kept once). */
  keep: (bytes: Buffer, hashes: MediaHashes, item?: WithheldItem) => Promise<void>;
  /** The plaintext of an item, for an authorised session only; the read is a custody event. */
  read: (sha256: string, session: Session) => Promise<Buffer>;
  has: (sha256: string) => boolean;
}>;

/** The 32-byte data key: unsealed from `vault/vault.key.sealed.json`, or made and sealed on first use. */
async function dataKey(dir: string, sealer: KeySealer): Promise<Buffer> {
  const path = join(dir, VAULT_KEY_NAME);
  if (existsSync(path)) {
    const parsed = SealedVaultKey.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) throw new AppError('store.damaged', `${path} is not a sealed vault key`);
    let key: Buffer;
    try {
      key = Buffer.from(sealer.unseal(Buffer.from(parsed.data.sealed, 'base64')), 'base64');
    } catch (error) {
      throw new AppError(
        'custody.key-missing',
        `the vault key cannot be unsealed (${(error as Error).message}); it was sealed by ${parsed.data.sealer}`,
      );
    }
    if (key.length !== 32) throw new AppError('store.damaged', `${path} does not hold a 256-bit key`);
    return key;
  }
  const key = randomBytes(32);
  const body = {
    format: 'vigil-vault-key/1',
    sealer: sealer.label,
    sealed: sealer.seal(key.toString('base64')).toString('base64'),
  };
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return key;
}

export function encryptItem(key: Buffer, sha256: string, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(sha256, 'ascii'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
}

export function decryptItem(key: Buffer, sha256: string, file: Buffer): Buffer {
  if (file.length < MAGIC.length + IV_BYTES + TAG_BYTES || !file.subarray(0, MAGIC.length).equals(MAGIC))
    throw new AppError('store.damaged', `vault item ${sha256} is not a vault file`);
  const iv = file.subarray(MAGIC.length, MAGIC.length + IV_BYTES);
  const tag = file.subarray(MAGIC.length + IV_BYTES, MAGIC.length + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(sha256, 'ascii'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(file.subarray(MAGIC.length + IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new AppError('evidence.integrity-mismatch', `vault item ${sha256} does not authenticate`);
  }
}

export function createRestrictedVault(ws: Workspace, sealer: KeySealer): RestrictedVault {
  const dir = join(ws.paths.root, 'vault');
  let key: Promise<Buffer> | null = null;
  const keyOnce = async (): Promise<Buffer> => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    key ??= dataKey(dir, sealer);
    return key;
  };
  const pathOf = (sha256: string): string => {
    if (!HEX64.test(sha256)) throw new AppError('rpc.invalid-input', 'not a lowercase hex SHA-256');
    return join(dir, `${sha256}.vgv`);
  };

  return {
    dir,
    has: (sha256) => existsSync(pathOf(sha256)),
    keep: async (bytes, hashes, item) => {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (sha256 !== hashes.sha256)
        throw new AppError(
          'evidence.integrity-mismatch',
          `vault: bytes hash to ${sha256}, not ${hashes.sha256}`,
        );
      const path = pathOf(sha256);
      if (existsSync(path)) return;
      const sealed = encryptItem(await keyOnce(), sha256, bytes);
      const tmp = `${path}.${randomBytes(6).toString('hex')}.part`;
      await writeFile(tmp, sealed, { mode: 0o600 });
      await rename(tmp, path);
      await ws.record((_tx, audit) =>
        audit({
          actor: 'system',
          action: 'vault.kept',
          subject: `media:${sha256}`,
          details: {
            bytes: bytes.length,
            md5: hashes.md5,
            pdq: hashes.pdq,
            ...(item === undefined ? {} : { url: item.url, reason: item.reason }),
          },
        }),
      );
    },
    read: async (sha256, session) => {
      const user = session.user;
      if (user === null) throw new AppError('auth.not-signed-in', 'sign in to read the restricted vault');
      const path = pathOf(sha256);
      const allowed = await ws.db.read((c) => csamAuthorised(c, user.id));
      if (!allowed) {
        await ws.record((_tx, audit) =>
          audit({ actor: user.name, action: 'vault.read-refused', subject: `media:${sha256}` }),
        );
        throw new AppError(
          'auth.forbidden',
          'the restricted vault is readable only by users an administrator authorised for it (csam_authorised)',
        );
      }
      if (!existsSync(path)) throw new AppError('evidence.not-found', `the vault holds no item ${sha256}`);
      // The read is in the custody log before the bytes leave the vault.
      await ws.record((_tx, audit) =>
        audit({ actor: user.name, action: 'vault.read', subject: `media:${sha256}` }),
      );
      const plain = decryptItem(await keyOnce(), sha256, await readFile(path));
      if (createHash('sha256').update(plain).digest('hex') !== sha256)
        throw new AppError('evidence.integrity-mismatch', `vault item ${sha256} does not match its hash`);
      return plain;
    },
  };
}

/**
 * The capture pipeline's withheld sink for a deployment: the vault when the policy (setting
 * `csamPolicy`) is `vault`, read at each item so a policy change applies to the next capture;
 * otherwise nothing is kept — the default `hashes-only`.
 */
export function vaultSink(vault: RestrictedVault, settings: SettingsService): WithheldSink {
  return {
    keep: async (bytes, hashes, item) => {
      if ((await settings.get()).csamPolicy !== 'vault') return;
      await vault.keep(bytes, hashes, item);
    },
  };
}
