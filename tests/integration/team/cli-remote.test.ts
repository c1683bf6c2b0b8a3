import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTeamServer } from '@core/remote/remote-client';
import {
  BUILT_CLI,
  startCliInProcess,
  teamServerUrlOf,
  type CliResult,
  type RunningCli,
} from '@tests/helpers/cli';
import { startPostgres, type PostgresCluster } from '@tests/helpers/postgres';
import { tempDir } from '@tests/helpers/temp-dir';
import { makeTestPki } from './server-tls';

// The built `vigil` in its own process with --server against a real `vigil server` (PostgreSQL,
// a shared blob folder, TLS from the unit's test CA), as an investigator at another desk would run it.

let dir: { path: string; remove: () => void };
let cluster: PostgresCluster | null = null;
let server: RunningCli | null = null;
let url = '';
let caFile = '';
let ca = '';
/** The local data dir the commands would use without --server: it must never come to exist. */
let localData = '';

beforeAll(async () => {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  dir = tempDir('vigil-cli-remote-');
  const pki = await makeTestPki(dir.path);
  caFile = join(dir.path, 'unit-ca.pem');
  ca = pki.ca;
  localData = join(dir.path, 'local-data-never-opened');
  cluster = await startPostgres();
  const database = await cluster.createDatabase();
  const blobs = join(dir.path, 'shared-blobs');
  mkdirSync(blobs);
  server = startCliInProcess(
    [
      '--data',
      join(dir.path, 'server-data'),
      'server',
      '--database',
      database,
      '--blobs',
      blobs,
      '--listen',
      '127.0.0.1:0',
      '--tls-cert',
      pki.certFile,
      '--tls-key',
      pki.keyFile,
      '--setup-admin',
      'admin',
      '--password-stdin',
    ],
    'first admin password\n',
  );
  url = await teamServerUrlOf(server);
  const admin = connectTeamServer({ url, ca: pki.ca });
  try {
    expect(await admin.signIn('admin', 'first admin password')).toMatchObject({ ok: true });
    const added = await admin.call('users.add', {
      name: 'ivan',
      role: 'investigator',
      password: 'investigator password',
    });
    expect(added).toMatchObject({ ok: true });
  } finally {
    admin.close();
  }
}, 120_000);

afterAll(async () => {
  server?.stop();
  if (server !== null) await server.exit;
  await cluster?.stop();
  dir?.remove();
});

/** `vigil --server URL --ca CA --user NAME --password-stdin ARGS…` as its own process (bounded). */
function remote(user: string, password: string, args: readonly string[]): Promise<CliResult> {
  const argv = [BUILT_CLI, '--server', url, '--ca', caFile, '--user', user, '--password-stdin', ...args];
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      argv,
      { timeout: 60_000, env: { ...process.env, VIGIL_DATA: localData } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 99;
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.end(`${password}\n`);
  });
}

/** What the team server itself holds, asked as its administrator. */
async function serverUrls(): Promise<string[]> {
  const admin = connectTeamServer({ url, ca });
  try {
    expect(await admin.signIn('admin', 'first admin password')).toMatchObject({ ok: true });
    const page = await admin.call('resources.list', {});
    if (!page.ok) throw new Error(page.error.message);
    return (page.value as { items: { url: string }[] }).items.map((r) => r.url);
  } finally {
    admin.close();
  }
}

const ivan = (...args: string[]): Promise<CliResult> => remote('ivan', 'investigator password', args);

describe('vigil --server URL', () => {
  it('adds a report on the team server, lists it, shows it and imports a list in the file’s line numbers', async () => {
    const add = await ivan('report', 'add', 'https://example.org/remote-case', '--case', 'CASE-7');
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const id = /^added report \S+ as new resource (res_\S+) https:\/\/example\.org\/remote-case$/m.exec(
      add.stdout,
    )?.[1];
    expect(id).toBeDefined();

    // On the server, not in a data dir of this machine.
    expect(await serverUrls()).toContain('https://example.org/remote-case');
    expect(existsSync(localData)).toBe(false);

    const list = await ivan('resource', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${id ?? ''}  reported`);
    expect(list.stdout).toContain('https://example.org/remote-case');
    expect(list.stdout).toMatch(/^1–1 of 1$/m);

    const show = await ivan('show', 'resource', id ?? '', '--json');
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      resource: { id, caseRef: 'CASE-7', url: 'https://example.org/remote-case' },
      reports: [{ sourceType: 'citizen' }],
    });

    const listFile = join(dir.path, 'list.txt');
    writeFileSync(
      listFile,
      '# from the hotline\nhttps://example.org/remote-case\nnot a url\nhttps://example.org/second\n',
    );
    const imported = await ivan('report', 'import', listFile, '--quiet');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(
      /^line {5}2 {2}merged {4}res_\S+ {2}https:\/\/example\.org\/remote-case$/m,
    );
    expect(imported.stdout).toMatch(/^line {5}3 {2}rejected/m);
    expect(imported.stdout).toMatch(/^line {5}4 {2}added/m);
    expect(imported.stdout).toMatch(/^3 lines: 1 added, 1 merged, 1 rejected$/m);

    const today = new Date().toISOString().slice(0, 10);
    const stats = await ivan('stats', '--from', today, '--to', today, '--json');
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ from: today, to: today });
    expect((await ivan('review', 'list')).stdout).toBe('nothing waits for review\n');

    const audit = await ivan('audit', 'verify');
    expect(audit.stdout).toMatch(/^audit log intact: \d+ rows/);
    expect(audit.code).toBe(0);
    expect(await serverUrls()).toContain('https://example.org/second');
    expect(existsSync(localData)).toBe(false);
  }, 120_000);

  it('refuses a command that works on a local data dir only, in one line, exit 3', async () => {
    const init = await ivan('init');
    expect(init.code).toBe(3);
    expect(init.stderr).toBe(
      'error env.local-only: `init` works on a local data dir only (not with --server)\n',
    );
    expect(init.stdout).toBe('');
    // A bundle is downloaded as a ZIP (export-download.test.ts); a folder cannot be: said, not faked.
    const out = join(dir.path, 'case.zip');
    const exported = await ivan('export', '--case', 'CASE-7', '--out', out, '--dir');
    expect(exported.code).toBe(2);
    expect(exported.stderr).toMatch(
      /^error input\.invalid: --dir is not downloadable over --server[^\n]*\n$/,
    );
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it('refuses a wrong password with the sign-in error, exit 3', async () => {
    const wrong = await remote('ivan', 'not the password', ['resource', 'list']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/^error auth\.bad-credentials: [^\n]+\n$/);
    expect(wrong.stdout).toBe('');
  }, 60_000);
});
