import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { encodePng } from '@core/capture/png-rows';
import { HOST_FILE_SEALER, type KeySealer } from '@core/custody/key-sealer';
import { listAudit } from '@core/custody/audit-log';
import {
  createRestrictedVault,
  vaultSink,
  VAULT_KEY_NAME,
  type RestrictedVault,
} from '@core/media/restricted-vault';
import type { Session } from '@core/rpc/dispatch';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'correct horse battery';

/** A generated test image (a colour gradient with a marker row), never real material. */
function testImage(seed: number): Buffer {
  const width = 48;
  const height = 32;
  const raw = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) {
      const p = y * (width * 3 + 1) + 1 + x * 3;
      raw[p] = (x * 5 + seed) & 255;
      raw[p + 1] = (y * 7 + seed * 3) & 255;
      raw[p + 2] = (x * y + seed) & 255;
    }
  return encodePng(width, height, 2, raw);
}
const hashesOf = (bytes: Buffer) => ({
  sha256: createHash('sha256').update(bytes).digest('hex'),
  md5: createHash('md5').update(bytes).digest('hex'),
  pdq: null,
});

/** A sealer that really transforms the key (as an OS keystore would), so a clear key on disk would show. */
const XOR_SEALER: KeySealer = {
  kind: 'os-keystore',
  label: 'test-xor',
  seal: (plain) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)),
  unseal: (sealed) => Buffer.from(sealed.map((b) => b ^ 0x5a)).toString('utf8'),
};

let dir: { path: string; remove: () => void };
let backend: Backend;
let vault: RestrictedVault;
const image = testImage(7);
const hashes = hashesOf(image);
const item = {
  url: 'https://example.test/a.png',
  contentType: 'image/png',
  bytes: image.length,
  ...hashes,
  reason: 'suspected_csam' as const,
  because: 'the resource is flagged suspected_csam',
};
const admin: Session = { user: null };
const rita: Session = { user: null };
const vera: Session = { user: null };

// The log's action filter matches by prefix (`vault.read` also finds `vault.read-refused`): keep exact ones.
const actions = async (action: string) =>
  (await backend.workspace.db.read((c) => listAudit(c, { action, limit: 50 }))).rows.filter(
    (r) => r.action === action,
  );

beforeAll(async () => {
  dir = tempDir('vigil-vault-');
  backend = await createBackend({ dataDir: join(dir.path, 'data') });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'admin');
  await backend.users.create({ name: 'vera', role: 'reviewer', password: PASSWORD }, 'admin');
  for (const [session, name] of [
    [admin, 'admin'],
    [rita, 'rita'],
    [vera, 'vera'],
  ] as const)
    expect((await backend.dispatch(session, 'session.signIn', { name, password: PASSWORD })).ok).toBe(true);
  vault = createRestrictedVault(backend.workspace, XOR_SEALER);
}, 60_000);

afterAll(async () => {
  await backend?.close();
  dir?.remove();
});

describe('the restricted vault', () => {
  it('keeps nothing under the default hashes-only policy', async () => {
    expect((await backend.settings.get()).csamPolicy).toBe('hashes-only');
    await vaultSink(vault, backend.settings).keep(image, hashes, item);
    expect(vault.has(hashes.sha256)).toBe(false);
  });

  it('under the vault policy keeps the item encrypted: no plaintext on disk, sealed key', async () => {
    await backend.settings.update({ csamPolicy: 'vault' }, 'admin');
    await vaultSink(vault, backend.settings).keep(image, hashes, item);
    expect(vault.has(hashes.sha256)).toBe(true);
    const files = readdirSync(vault.dir);
    expect(files.sort()).toEqual([`${hashes.sha256}.vgv`, VAULT_KEY_NAME].sort());
    const stored = readFileSync(join(vault.dir, `${hashes.sha256}.vgv`));
    // AES-GCM adds the magic, IV and tag only; no window of the image survives.
    expect(stored.length).toBe(image.length + 4 + 12 + 16);
    for (let i = 0; i + 16 <= image.length; i += 8)
      expect(stored.includes(image.subarray(i, i + 16)), `plaintext at ${i}`).toBe(false);
    expect(statSync(join(vault.dir, `${hashes.sha256}.vgv`)).mode & 0o077).toBe(0);
    // The data key is sealed: its file does not hold the key in the clear.
    const keyFile = JSON.parse(readFileSync(join(vault.dir, VAULT_KEY_NAME), 'utf8')) as { sealer: string };
    expect(keyFile.sealer).toBe('test-xor');
    expect((await actions('vault.kept')).map((r) => r.subject)).toEqual([`media:${hashes.sha256}`]);
    // Kept once: the same bytes again are not a second item.
    await vault.keep(image, hashes);
    expect(await actions('vault.kept')).toHaveLength(1);
  });

  it('refuses a user without the csam_authorised authorisation, and logs the refusal', async () => {
    await expect(vault.read(hashes.sha256, rita)).rejects.toMatchObject({ code: 'auth.forbidden' });
    await expect(vault.read(hashes.sha256, { user: null })).rejects.toMatchObject({
      code: 'auth.not-signed-in',
    });
    expect((await actions('vault.read-refused')).map((r) => r.actor)).toEqual(['rita']);
    expect(await actions('vault.read')).toHaveLength(0);
  });

  it('reads for an authorised user only while authorised, each read a custody event', async () => {
    expect(
      await backend.dispatch(rita, 'vault.authorise', { name: 'rita', authorised: true, reason: 'self' }),
    ).toMatchObject({ ok: false, error: { code: 'auth.forbidden' } });
    const granted = await backend.dispatch(admin, 'vault.authorise', {
      name: 'rita',
      authorised: true,
      reason: 'named by the unit head under the national hotline agreement',
    });
    expect(granted).toEqual({ ok: true, value: null });
    expect((await actions('csam_authorised.granted')).map((r) => r.subject)).toEqual(['user:rita']);
    const plain = await vault.read(hashes.sha256, rita);
    expect(plain.equals(image)).toBe(true);
    expect((await actions('vault.read')).map((r) => [r.actor, r.subject])).toEqual([
      ['rita', `media:${hashes.sha256}`],
    ]);
    // Another reviewer is still refused.
    await expect(vault.read(hashes.sha256, vera)).rejects.toMatchObject({ code: 'auth.forbidden' });
    await backend.dispatch(admin, 'vault.authorise', {
      name: 'rita',
      authorised: false,
      reason: 'left the unit',
    });
    await expect(vault.read(hashes.sha256, rita)).rejects.toMatchObject({ code: 'auth.forbidden' });
  });

  it('opens the items with the same sealed key after a restart, and detects tampering', async () => {
    await backend.dispatch(admin, 'vault.authorise', { name: 'vera', authorised: true, reason: 'rota' });
    const again = createRestrictedVault(backend.workspace, XOR_SEALER);
    expect((await again.read(hashes.sha256, vera)).equals(image)).toBe(true);
    // The host-file sealer cannot open a key the OS keystore sealed: the key is not in the clear.
    const other = createRestrictedVault(backend.workspace, HOST_FILE_SEALER);
    await expect(other.read(hashes.sha256, vera)).rejects.toBeTruthy();
    const path = join(again.dir, `${hashes.sha256}.vgv`);
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    writeFileSync(path, bytes);
    await expect(again.read(hashes.sha256, vera)).rejects.toMatchObject({
      code: 'evidence.integrity-mismatch',
    });
  });

  it('refuses bytes that do not match the hashes given', async () => {
    await expect(vault.keep(testImage(8), hashes)).rejects.toMatchObject({
      code: 'evidence.integrity-mismatch',
    });
  });
});
