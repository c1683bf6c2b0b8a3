import { existsSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
const at = (...p: string[]) => join(dir.path, ...p);

beforeEach(async () => {
  dir = tempDir();
  const init = await vigil(['--data', dir.path, 'init']);
  expect(init.code, init.stderr).toBe(0);
});
afterEach(() => dir.remove());

/** One line on stderr with the code, the file named, exit 3 — never a stack trace. */
async function expectEnvironmentError(args: string[], code: string, file: string): Promise<void> {
  const out = await vigil(['--data', dir.path, ...args]);
  expect(out.code, out.stderr).toBe(3);
  expect(out.stderr.trim().split('\n')).toHaveLength(1);
  expect(out.stderr).toMatch(new RegExp(`^error ${code.replace('.', '\\.')}: `));
  expect(out.stderr).toContain(file);
  expect(out.stderr).not.toMatch(/\n\s+at /);
}

describe('an initialised data dir is never silently re-created', () => {
  it('marks the data dir at init', () => {
    expect(JSON.parse(readFileSync(at('vigil-data.json'), 'utf8'))).toMatchObject({ state: 'ready' });
  });

  it('refuses a missing vigil.db instead of creating an empty one', async () => {
    for (const f of ['vigil.db', 'vigil.db-wal', 'vigil.db-shm']) rmSync(at(f), { force: true });
    await expectEnvironmentError(['user', 'list'], 'store.damaged', at('vigil.db'));
    await expectEnvironmentError(['init'], 'store.damaged', at('vigil.db'));
    expect(existsSync(at('vigil.db'))).toBe(false);
  });

  it('refuses a missing audit head, even on audit verify', async () => {
    rmSync(at('logs', 'audit-head.json'));
    await expectEnvironmentError(['audit', 'verify'], 'store.damaged', at('logs', 'audit-head.json'));
    expect(existsSync(at('logs', 'audit-head.json'))).toBe(false);
  });

  it('refuses a truncated audit head with one line naming it', async () => {
    truncateSync(at('logs', 'audit-head.json'), 20);
    await expectEnvironmentError(['audit', 'verify'], 'store.damaged', at('logs', 'audit-head.json'));
  });

  for (const file of ['workstation.key.pem', 'workstation.crt.pem', 'ca.crt.pem']) {
    it(`never creates keys outside init: a missing ${file} is an error naming it`, async () => {
      const before = readFileSync(at('keys', 'workstation.key.pem'), 'utf8');
      rmSync(at('keys', file));
      await expectEnvironmentError(['user', 'list'], 'custody.key-missing', at('keys', file));
      await expectEnvironmentError(['init'], 'custody.key-missing', at('keys', file));
      expect(existsSync(at('keys', file))).toBe(false);
      if (file !== 'workstation.key.pem')
        expect(readFileSync(at('keys', 'workstation.key.pem'), 'utf8')).toBe(before);
    });
  }

  it('names a garbled workstation key or certificate (exit 3, one line)', async () => {
    const key = readFileSync(at('keys', 'workstation.key.pem'), 'utf8');
    // Half of the key's body: no longer DER.
    writeFileSync(at('keys', 'workstation.key.pem'), `${key.slice(0, Math.floor(key.length / 2))}\n`);
    await expectEnvironmentError(
      ['audit', 'verify'],
      'custody.key-missing',
      at('keys', 'workstation.key.pem'),
    );
    writeFileSync(at('keys', 'workstation.key.pem'), key);
    writeFileSync(at('keys', 'workstation.crt.pem'), 'not a certificate\n');
    await expectEnvironmentError(
      ['audit', 'verify'],
      'custody.key-missing',
      at('keys', 'workstation.crt.pem'),
    );
  });

  it('names a damaged database (exit 3, one line), also on export', async () => {
    for (const f of ['vigil.db-wal', 'vigil.db-shm']) rmSync(at(f), { force: true });
    writeFileSync(at('vigil.db'), Buffer.alloc(8192, 0x5a));
    await expectEnvironmentError(
      ['export', '--case', 'X', '--out', join(dir.path, '..', `${Date.now()}-x.zip`)],
      'store.damaged',
      at('vigil.db'),
    );
  });

  it('refuses a damaged data dir marker', async () => {
    writeFileSync(at('vigil-data.json'), '{"format":');
    await expectEnvironmentError(['user', 'list'], 'store.damaged', at('vigil-data.json'));
  });
});
