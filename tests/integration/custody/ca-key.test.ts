import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '@core/custody/audit-log';
import { openDatabase } from '@core/db/database';
import { openWorkspace } from '@core/workspace';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'a long enough password\n';
const CA_PASSPHRASE = 'the CA passphrase of this unit';

let dir: { path: string; remove: () => void };
let data: string;
let passFile: string;
let wrongFile: string;
beforeEach(() => {
  dir = tempDir();
  data = join(dir.path, 'data');
  passFile = join(dir.path, 'ca-pass.txt');
  wrongFile = join(dir.path, 'wrong-pass.txt');
  writeFileSync(passFile, `${CA_PASSPHRASE}\n`, { mode: 0o600 });
  writeFileSync(wrongFile, 'not the CA passphrase at all\n', { mode: 0o600 });
});
afterEach(() => dir.remove());

const cli = (args: readonly string[], stdin = '') => vigil(['--data', data, ...args], stdin);

function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

function snapshot(root: string): Record<string, string> {
  return Object.fromEntries(
    filesUnder(root).map((p) => [
      relative(root, p),
      `${statSync(p).mode}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`,
    ]),
  );
}

const caSpki = (): Buffer =>
  new X509Certificate(readFileSync(join(data, 'keys', 'ca.crt.pem'))).publicKey.export({
    type: 'spki',
    format: 'der',
  });

/**
 * Every file under keys/ that any reader could take as an unencrypted private key (PEM with either
 * label, or raw DER in PKCS#8 / SEC1) — none may be the CA's. The workstation host key is such a file
 * by design (DESIGN §5); it must simply not be the CA key.
 */
function unencryptedCaKeys(): string[] {
  const spki = caSpki();
  const found: string[] = [];
  for (const file of filesUnder(join(data, 'keys'))) {
    const bytes = readFileSync(file);
    const text = bytes.toString('utf8');
    const attempts: Parameters<typeof createPrivateKey>[0][] = [
      text,
      { key: bytes, format: 'der', type: 'pkcs8' },
      { key: bytes, format: 'der', type: 'sec1' },
    ];
    for (const m of text.matchAll(
      /-----BEGIN (EC )?PRIVATE KEY-----[\s\S]*?-----END (EC )?PRIVATE KEY-----/g,
    ))
      attempts.push(m[0]);
    for (const attempt of attempts) {
      try {
        const pub = createPublicKey(createPrivateKey(attempt)).export({ type: 'spki', format: 'der' });
        if (pub.equals(spki) && !found.includes(relative(data, file))) found.push(relative(data, file));
      } catch {
        // not a key in this form
      }
    }
  }
  return found;
}

async function auditOf(action: string) {
  const db = await openDatabase(join(data, 'vigil.db'));
  try {
    return (await db.read((c) => listAudit(c, { action, limit: 100 }))).rows;
  } finally {
    await db.close();
  }
}

async function auditCount(): Promise<number> {
  const db = await openDatabase(join(data, 'vigil.db'));
  try {
    return (await db.read((c) => c.get<{ n: number }>('SELECT count(*) AS n FROM audit')))?.n ?? -1;
  } finally {
    await db.close();
  }
}

describe('the local CA key at rest', () => {
  it('is never stored unencrypted after init, with or without a CA passphrase', async () => {
    const init = await cli(['init', '--ca-passphrase-file', passFile, '--json']);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ caKey: 'passphrase' });
    const add = await cli(
      ['user', 'add', 'rita', '--role', 'reviewer', '--password-stdin', '--ca-passphrase-file', passFile],
      PASSWORD,
    );
    expect(add.code, add.stderr).toBe(0);
    expect(unencryptedCaKeys()).toEqual([]);
    const all = filesUnder(join(data, 'keys')).map((f) => readFileSync(f, 'utf8'));
    // Only the workstation host key is a clear private key in the folder.
    expect(all.filter((t) => /BEGIN (EC )?PRIVATE KEY/.test(t))).toHaveLength(1);
    expect(readFileSync(join(data, 'keys', 'workstation.key.pem'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
    expect(statSync(join(data, 'keys', 'ca.key.enc.json')).mode & 0o077).toBe(0);

    // A data dir opened before anyone chose a passphrase (the desktop's first start) holds no clear key either.
    data = join(dir.path, 'data2');
    const { workspace } = await openWorkspace({ dataDir: data });
    expect(await workspace.ca.state()).toBe('host-sealed');
    await workspace.close();
    expect(unencryptedCaKeys()).toEqual([]);
  });

  it('a wrong or missing CA passphrase issues nothing and changes nothing', async () => {
    expect((await cli(['init', '--ca-passphrase-file', passFile])).code).toBe(0);
    const ok = await cli(
      ['user', 'add', 'rita', '--role', 'reviewer', '--password-stdin', '--ca-passphrase-file', passFile],
      PASSWORD,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const users = (await cli(['user', 'list', '--json'])).stdout;
    const keys = snapshot(join(data, 'keys'));
    const rows = await auditCount();

    const wrong = await cli(
      ['user', 'add', 'olga', '--role', 'reviewer', '--password-stdin', '--ca-passphrase-file', wrongFile],
      PASSWORD,
    );
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error ca.wrong-passphrase/) });
    const missing = await cli(['user', 'add', 'olga', '--role', 'reviewer', '--password-stdin'], PASSWORD);
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error ca.passphrase-required: .*--ca-passphrase-file/),
    });
    for (const change of [['--role', 'investigator'], ['--disable']]) {
      const out = await cli(['user', 'set', 'rita', ...change, '--ca-passphrase-file', wrongFile]);
      expect(out.stderr).toMatch(/^error ca.wrong-passphrase/);
    }

    expect((await cli(['user', 'list', '--json'])).stdout).toBe(users);
    expect(snapshot(join(data, 'keys'))).toEqual(keys);
    expect(await auditCount()).toBe(rows);
  });

  it('migrates a data dir whose CA key is in the clear, with a custody event, changing nothing else', async () => {
    // An old-style data dir: the CA key as an unencrypted PKCS#8 file beside its certificate.
    const { workspace } = await openWorkspace({ dataDir: data });
    const ca = await workspace.ca.unlock(undefined, 'test');
    await workspace.close();
    rmSync(join(data, 'keys', 'ca.key.enc.json'));
    writeFileSync(join(data, 'keys', 'ca.key.pem'), ca.keyPem, { mode: 0o600 });
    expect(unencryptedCaKeys()).toEqual(['keys/ca.key.pem']);
    const before = snapshot(join(data, 'keys'));

    const refused = await cli(['user', 'add', 'rita', '--role', 'reviewer', '--password-stdin'], PASSWORD);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error ca.passphrase-required: .*unencrypted.*vigil keys protect-ca --ca-passphrase-file/,
    );
    const init = await cli(['init', '--json']);
    expect(JSON.parse(init.stdout)).toMatchObject({ created: [], caKey: 'clear' });

    const protect = await cli(['keys', 'protect-ca', '--ca-passphrase-file', passFile, '--json']);
    expect(protect.code, protect.stderr).toBe(0);
    expect(JSON.parse(protect.stdout)).toMatchObject({ from: 'clear', state: 'passphrase' });
    expect(unencryptedCaKeys()).toEqual([]);
    expect(existsSync(join(data, 'keys', 'ca.key.pem'))).toBe(false);
    const after = snapshot(join(data, 'keys'));
    // Nothing else in keys/ changed: the certificate and the workstation key are the same files.
    for (const [file, hash] of Object.entries(before))
      if (file !== 'ca.key.pem') expect(after[file], file).toBe(hash);
    expect(Object.keys(after).sort()).toEqual(
      [...Object.keys(before).filter((f) => f !== 'ca.key.pem'), 'ca.key.enc.json'].sort(),
    );
    const events = await auditOf('ca.key-protected');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ subject: 'ca', details: { from: 'clear', to: 'passphrase' } });

    // From now on the CA passphrase is needed, and it works.
    const add = await cli(
      ['user', 'add', 'rita', '--role', 'reviewer', '--password-stdin', '--ca-passphrase-file', passFile],
      PASSWORD,
    );
    expect(add.code, add.stderr).toBe(0);
    expect((await cli(['audit', 'verify'])).code).toBe(0);
  });
});
