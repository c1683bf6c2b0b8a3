import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

// `--out` never replaces an existing file silently: refused (exit 2, `output.exists`) unless --force.
let dir: { path: string; remove: () => void };
let data: string;
beforeAll(async () => {
  dir = tempDir();
  data = join(dir.path, 'data');
  expect((await vigil(['--data', data, 'init'])).code).toBe(0);
});
afterAll(() => dir.remove());

describe('--out refuses to overwrite', () => {
  it('keys export: a second run into the same folder is refused, --force replaces', async () => {
    const out = join(dir.path, 'keys-out');
    expect((await vigil(['--data', data, 'keys', 'export', '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'ca.crt.pem'), 'kept\n');
    const again = await vigil(['--data', data, 'keys', 'export', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error output\.exists: .*ca\.crt\.pem/);
    expect(readFileSync(join(out, 'ca.crt.pem'), 'utf8')).toBe('kept\n');
    const forced = await vigil(['--data', data, 'keys', 'export', '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(out, 'ca.crt.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('packet: an existing --out file is refused before anything is rendered', async () => {
    const out = join(dir.path, 'existing.pdf');
    writeFileSync(out, 'an earlier packet');
    const result = await vigil(['--data', data, 'packet', 'res_nonexistent', '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error output\.exists: /);
    expect(readFileSync(out, 'utf8')).toBe('an earlier packet');
  });
});
