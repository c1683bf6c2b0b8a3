import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'correct horse battery';
let dirs: { path: string; remove: () => void }[] = [];

beforeEach(() => {
  dirs = [tempDir('vigil-keymatch-a-'), tempDir('vigil-keymatch-b-')];
});
afterEach(() => {
  for (const d of dirs) d.remove();
});

describe('a private key must be the one its certificate certifies', () => {
  it('refuses a workstation key from another data dir: one line naming both files, exit 3', async () => {
    const [a, b] = dirs.map((d) => d.path) as [string, string];
    for (const d of [a, b]) expect((await vigil(['--data', d, 'init'])).code).toBe(0);
    const key = join(a, 'keys', 'workstation.key.pem');
    const cert = join(a, 'keys', 'workstation.crt.pem');
    // A key that parses perfectly, restored from the wrong backup.
    copyFileSync(join(b, 'keys', 'workstation.key.pem'), key);
    const out = await vigil(['--data', a, 'user', 'list']);
    expect(out.code, out.stderr).toBe(3);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(/^error custody\.key-mismatch: /);
    expect(out.stderr).toContain(key);
    expect(out.stderr).toContain(cert);
    expect(readFileSync(cert, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it("refuses to unlock a user's key when their stored certificate certifies another key", async () => {
    const backend = await createBackend({ dataDir: dirs[0]?.path ?? '' });
    try {
      await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
      await backend.users.create({ name: 'sam', role: 'reviewer', password: PASSWORD }, 'setup');
      // The row's public key stays rita's; only the certificate is another user's (an edited row).
      await backend.workspace.db.write((tx) =>
        tx.run(
          "UPDATE users SET certificate_pem = (SELECT certificate_pem FROM users WHERE name = 'sam') WHERE name = 'rita'",
        ),
      );
      await expect(backend.users.unlockSigningKey('rita', PASSWORD)).rejects.toMatchObject({
        code: 'custody.key-mismatch',
        message: expect.stringContaining('the certificate of rita') as unknown,
      });
      await expect(backend.users.unlockSigningKey('sam', PASSWORD)).resolves.toMatchObject({
        user: { name: 'sam' },
      });
    } finally {
      await backend.close();
    }
  });
});
