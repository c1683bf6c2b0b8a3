import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import type { CallInfo } from '@core/rpc/call-info';
import type { Session } from '@core/rpc/dispatch';
import type { Envelope } from '@shared/contract/envelope';
import { writeCraftedZip, writeManyEntriesZip } from '@tests/helpers/crafted-zip';
import { tempDir } from '@tests/helpers/temp-dir';

// Over the wire (bridge, desktop IPC) a bundle path names a file inside exports/ or one the desktop
// dialog granted; long calls stop when the client leaves or the deadline passes.
let dir: { path: string; remove: () => void };
let outside: { path: string; remove: () => void };
let backend: Backend;
let exportsDir: string;
const admin: Session = { user: null };

const call = (method: string, input: unknown, info?: CallInfo): Promise<Envelope<unknown>> =>
  backend.dispatch(admin, method, input, info);

const codeOf = (env: Envelope<unknown>): string => (env.ok ? 'ok' : env.error.code);

beforeAll(async () => {
  dir = tempDir();
  outside = tempDir();
  backend = await createBackend({ dataDir: dir.path });
  const setup = await call('session.setupAdmin', { name: 'admin', password: 'correct horse battery' });
  expect(setup.ok).toBe(true);
  exportsDir = backend.workspace.paths.exports;
  mkdirSync(exportsDir, { recursive: true });
  writeCraftedZip(join(exportsDir, 'plain.zip'), 1000, () => [{ name: 'data.bin', offset: 0, size: 1000 }]);
  writeCraftedZip(join(outside.path, 'elsewhere.zip'), 1000, () => [
    { name: 'data.bin', offset: 0, size: 1000 },
  ]);
  writeFileSync(join(outside.path, 'secret.txt'), 'not for the wire');
  symlinkSync(outside.path, join(exportsDir, 'link-out'));
  symlinkSync(join(outside.path, 'secret.txt'), join(exportsDir, 'secret.zip'));
});

afterAll(async () => {
  await backend.close();
  dir.remove();
  outside.remove();
});

describe('paths from the wire', () => {
  it('refuses absolute paths outside exports/, ".." and links leading out', async () => {
    for (const path of [
      '/etc/passwd',
      join(outside.path, 'elsewhere.zip'),
      '../vigil.db',
      'sub/../../vigil.db',
      join(exportsDir, '..', 'vigil.db'),
      'link-out/elsewhere.zip',
      'secret.zip',
      '',
    ]) {
      expect(codeOf(await call('bundle.verify', { path })), path).toBe('bundle.path-refused');
      expect(codeOf(await call('bundle.import', { path })), path).toBe('bundle.path-refused');
    }
  });

  it('refuses an export written outside exports/ (no bundle over ~/.bashrc)', async () => {
    for (const outPath of [join(outside.path, 'x.zip'), '../keys/x.zip', 'link-out/x.zip'])
      expect(codeOf(await call('bundle.export', { caseRef: 'C-1', outPath })), outPath).toBe(
        'bundle.path-refused',
      );
  });

  it('accepts a name inside exports/, as a bare name or as the absolute path an export returned', async () => {
    for (const path of ['plain.zip', join(exportsDir, 'plain.zip')]) {
      const env = await call('bundle.verify', { path });
      expect(env.ok, path).toBe(true);
    }
  });

  it('accepts a path the desktop dialog granted to this window, and a new name in a granted folder', async () => {
    const granted = new Set([join(outside.path, 'elsewhere.zip'), outside.path]);
    expect(
      (await call('bundle.verify', { path: join(outside.path, 'elsewhere.zip') }, { grantedPaths: granted }))
        .ok,
    ).toBe(true);
    const exported = await call(
      'bundle.export',
      { caseRef: 'NO-SUCH-CASE', outPath: join(outside.path, 'new.zip') },
      { grantedPaths: granted },
    );
    expect(codeOf(exported)).not.toBe('bundle.path-refused');
    expect(
      codeOf(
        await call('bundle.verify', { path: join(outside.path, 'secret.txt') }, { grantedPaths: granted }),
      ),
    ).toBe('bundle.path-refused');
  });

  it('stops a long verification when the client goes away, and at its deadline', async () => {
    writeManyEntriesZip(join(exportsDir, 'long.zip'), 60_000);
    const client = new AbortController();
    const pending = call('bundle.verify', { path: 'long.zip' }, { signal: client.signal });
    setImmediate(() => client.abort());
    const gone = await pending;
    expect(codeOf(gone)).toBe('bundle.cancelled');
    expect(gone.ok ? '' : gone.error.message).toMatch(/client went away/);
    const late = await call('bundle.verify', { path: 'long.zip' }, { deadlineMs: 50 });
    expect(codeOf(late)).toBe('bundle.cancelled');
    expect(late.ok ? '' : late.error.message).toMatch(/deadline/);
  });
});
