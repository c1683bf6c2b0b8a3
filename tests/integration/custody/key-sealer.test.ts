import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import type { KeySealer } from '@core/custody/key-sealer';
import { safeStorageSealer } from '@main/safe-storage-sealer';
import { tempDir } from '@tests/helpers/temp-dir';

// Electron cannot run here: a stand-in keystore with a key only this process holds (AES-256-GCM).
const keystoreKey = randomBytes(32);
const fakeKeystore = (notes: string[] = []): KeySealer => ({
  kind: 'os-keystore',
  label: 'test-keystore',
  seal: (plain) => {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', keystoreKey, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  },
  unseal: (sealed) => {
    const d = createDecipheriv('aes-256-gcm', keystoreKey, sealed.subarray(0, 12));
    d.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([d.update(sealed.subarray(28)), d.final()]).toString('utf8');
  },
  notify: (m) => void notes.push(m),
});

const dirs: { remove: () => void }[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});
const fresh = () => {
  const d = tempDir('vigil-sealer-');
  dirs.push(d);
  return d.path;
};
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

describe('the workstation key at rest', () => {
  it('stays a 0600 host file without a keystore (vigil serve, the CLI, workers)', async () => {
    const data = fresh();
    const b = await createBackend({ dataDir: data });
    await b.close();
    const clear = join(data, 'keys', 'workstation.key.pem');
    expect(statSync(clear).mode & 0o777).toBe(0o600);
    expect(readFileSync(clear, 'utf8')).toContain('PRIVATE KEY');
    expect(existsSync(join(data, 'keys', 'workstation.key.sealed.json'))).toBe(false);
  });

  it('is sealed by the keystore from the start in a new desktop data dir; no clear key on disk', async () => {
    const data = fresh();
    const b = await createBackend({ dataDir: data, keySealer: fakeKeystore() });
    const keyId = b.workspace.workstation.keyId;
    await b.close();
    expect(existsSync(join(data, 'keys', 'workstation.key.pem'))).toBe(false);
    const sealed = readFileSync(join(data, 'keys', 'workstation.key.sealed.json'), 'utf8');
    expect(sealed).not.toContain('PRIVATE KEY');
    const again = await createBackend({ dataDir: data, keySealer: fakeKeystore() });
    expect(again.workspace.workstation.keyId).toBe(keyId);
    await again.close();
    // The CLI (no keystore) is told plainly why it cannot sign with this data dir.
    expect(await codeOf(createBackend({ dataDir: data }))).toBe('custody.key-missing');
  });

  it('moves an older data dir’s clear key into the keystore on first use, with a prompt and a custody event', async () => {
    const data = fresh();
    const old = await createBackend({ dataDir: data });
    const keyId = old.workspace.workstation.keyId;
    const certificate = readFileSync(join(data, 'keys', 'workstation.crt.pem'), 'utf8');
    await old.close();
    const notes: string[] = [];
    const b = await createBackend({ dataDir: data, keySealer: fakeKeystore(notes) });
    expect(b.workspace.workstation.keyId).toBe(keyId);
    const rows = await b.workspace.db.read((c) =>
      c.all<{ actor: string; details: string }>(
        "SELECT actor, details FROM audit WHERE action = 'workstation.key-sealed'",
      ),
    );
    await b.close();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.details ?? '{}')).toMatchObject({
      from: 'host-file',
      to: 'test-keystore',
      keyId,
    });
    expect(notes).toEqual([expect.stringMatching(/now sealed in the OS keystore/)]);
    expect(existsSync(join(data, 'keys', 'workstation.key.pem'))).toBe(false);
    // Nothing else changes: the same certificate, and a second opening moves nothing.
    expect(readFileSync(join(data, 'keys', 'workstation.crt.pem'), 'utf8')).toBe(certificate);
    const again = await createBackend({ dataDir: data, keySealer: fakeKeystore(notes) });
    await again.close();
    expect(notes).toHaveLength(1);
  });

  it('uses Electron safeStorage only where it protects better than the host file', () => {
    const storage = (available: boolean, backend?: string) => ({
      isEncryptionAvailable: () => available,
      encryptString: (s: string) => Buffer.from(s),
      decryptString: (b: Buffer) => b.toString(),
      ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
    });
    expect(safeStorageSealer(storage(false), 'darwin')).toBeNull();
    expect(safeStorageSealer(storage(true, 'basic_text'), 'linux')).toBeNull();
    expect(safeStorageSealer(storage(true, 'gnome_libsecret'), 'linux')?.label).toBe(
      'electron-safeStorage/gnome_libsecret',
    );
    expect(safeStorageSealer(storage(true), 'win32')?.kind).toBe('os-keystore');
  });
});
