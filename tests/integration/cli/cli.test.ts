import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@core/db/database';
import { openWorkspace } from '@core/workspace';
import { vigil, vigilProcess } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else
        out[relative(root, p)] =
          `${statSync(p).mode}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
  };
  walk(root);
  return out;
}

async function auditCount(dataDir: string): Promise<number> {
  const db = await openDatabase(join(dataDir, 'vigil.db'));
  try {
    return (await db.read((c) => c.get<{ n: number }>('SELECT count(*) AS n FROM audit')))?.n ?? -1;
  } finally {
    await db.close();
  }
}

describe('vigil init', () => {
  it('creates the data dir, and on an existing one changes nothing', async () => {
    const first = await vigil(['--data', dir.path, 'init', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ created: ['database', 'ca', 'workstation-key'] });
    const before = snapshot(dir.path);
    const rows = await auditCount(dir.path);
    const second = await vigil(['--data', dir.path, 'init', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ created: [] });
    expect(await auditCount(dir.path)).toBe(rows);
    const after = snapshot(dir.path);
    // The database file itself may be checkpointed, but every key, blob and the audit head is untouched.
    for (const [file, hash] of Object.entries(before)) {
      if (!file.startsWith('vigil.db')) expect(after[file], file).toBe(hash);
    }
  });
});

describe('vigil user', () => {
  it('adds users with --password-stdin and lists them', async () => {
    const add = await vigil(
      ['--data', dir.path, 'user', 'add', 'ivan', '--role', 'investigator', '--password-stdin'],
      'a long enough password\n',
    );
    expect(add.code, add.stderr).toBe(0);
    const list = await vigil(['--data', dir.path, 'user', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: 'ivan', role: 'investigator' }),
    ]);
  });

  it('never prompts when stdin is not a terminal', async () => {
    const out = await vigil(['--data', dir.path, 'user', 'add', 'ivan', '--role', 'investigator']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/^error input.invalid: .*--password-stdin/);
  });

  it('gives one-line errors and usage exit codes for bad input', async () => {
    const badRole = await vigil(
      ['--data', dir.path, 'user', 'add', 'ivan', '--role', 'chief', '--password-stdin'],
      'a long enough password\n',
    );
    expect(badRole).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error input.invalid: --role/) });
    expect(badRole.stderr.trim().split('\n')).toHaveLength(1);
    const weak = await vigil(
      ['--data', dir.path, 'user', 'add', 'ivan', '--role', 'admin', '--password-stdin'],
      'short\n',
    );
    expect(weak).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error user.weak-password/) });
    const unknown = await vigil(['--data', dir.path, 'frobnicate']);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command "frobnicate"/) });
    const badFlag = await vigil(['--data', dir.path, 'user', 'list', '--colour']);
    expect(badFlag.code).toBe(2);
  });

  it('refuses a database from the future with exit code 3 and leaves it untouched', async () => {
    await vigil(['--data', dir.path, 'init']);
    const db = await openDatabase(join(dir.path, 'vigil.db'));
    await db.raw.exec('PRAGMA user_version = 990');
    await db.close();
    const before = snapshot(dir.path);
    const out = await vigil(['--data', dir.path, 'user', 'list']);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(
      /^error db.from-future: this database has schema version 990, newer than this Vigil/,
    );
    const after = snapshot(dir.path);
    for (const [file, hash] of Object.entries(before))
      if (file !== 'vigil.db-wal' && file !== 'vigil.db-shm') expect(after[file], file).toBe(hash);
  });
});

describe('concurrent writers', () => {
  it('two workspaces on one data dir appending at once lose nothing and keep one valid chain', async () => {
    const { workspace: a } = await openWorkspace({ dataDir: dir.path });
    const { workspace: b } = await openWorkspace({ dataDir: dir.path });
    const n = 150;
    const append = (ws: typeof a, who: string) =>
      Array.from({ length: n }, (_, i) =>
        ws.record((_tx, audit) => audit({ actor: who, action: 'test.write', subject: `${who}:${i}` })),
      );
    await Promise.all([...append(a, 'a'), ...append(b, 'b')]);
    await a.close();
    await b.close();
    const out = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, rows: 1 + 2 * n });
  });

  it('two vigil processes writing at once lose nothing', async () => {
    await vigil(['--data', dir.path, 'init']);
    const names = (p: string) => Array.from({ length: 4 }, (_, i) => `${p}${i}`);
    const worker = async (prefix: string) => {
      for (const name of names(prefix)) {
        const out = await vigilProcess(
          ['--data', dir.path, 'user', 'add', name, '--role', 'investigator', '--password-stdin'],
          'a long enough password\n',
        );
        expect(out.code, out.stderr).toBe(0);
      }
    };
    await Promise.all([worker('p'), worker('q')]);
    const list = await vigil(['--data', dir.path, 'user', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { name: string }[]).map((u) => u.name).sort()).toEqual(
      [...names('p'), ...names('q')].sort(),
    );
    const audit = await vigil(['--data', dir.path, 'audit', 'verify', '--json']);
    expect(JSON.parse(audit.stdout)).toMatchObject({ ok: true, rows: 1 + 8 });
  });
});

describe('vigil keys export and audit list', () => {
  it('writes every public key and certificate as PEM that openssl reads', async () => {
    await vigil(
      ['--data', dir.path, 'user', 'add', 'rita', '--role', 'reviewer', '--password-stdin'],
      'a long enough password\n',
    );
    const out = join(dir.path, 'pem');
    const res = await vigil(['--data', dir.path, 'keys', 'export', '--out', out, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect((JSON.parse(res.stdout) as { files: string[] }).files).toEqual(
      expect.arrayContaining([
        'ca.crt.pem',
        'workstation.pub.pem',
        'workstation.crt.pem',
        'users/rita.pub.pem',
        'users/rita.crt.pem',
      ]),
    );
    const { run } = await import('@tests/helpers/openssl');
    const verified = await run('openssl', [
      'verify',
      '-CAfile',
      join(out, 'ca.crt.pem'),
      join(out, 'users/rita.crt.pem'),
    ]);
    expect(verified.stdout).toContain(': OK');
  });

  it('lists custody rows newest first, filtered by subject', async () => {
    await vigil(
      ['--data', dir.path, 'user', 'add', 'olga', '--role', 'investigator', '--password-stdin'],
      'a long enough password\n',
    );
    const res = await vigil(['--data', dir.path, 'audit', 'list', '--subject', 'user:olga', '--json']);
    const rows = JSON.parse(res.stdout) as { action: string; subject: string }[];
    expect(rows).toEqual([expect.objectContaining({ action: 'user.created', subject: 'user:olga' })]);
  });
});
