import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTeamServer } from '@core/remote/remote-client';
import { startCliInProcess, teamServerUrlOf } from '@tests/helpers/cli';
import { startPostgres, type PostgresCluster } from '@tests/helpers/postgres';
import { tempDir } from '@tests/helpers/temp-dir';
import { makeTestPki, type TestPki } from './server-tls';

let dir: { path: string; remove: () => void };
let pki: TestPki;
let cluster: PostgresCluster | null = null;

beforeAll(async () => {
  dir = tempDir('vigil-server-cmd-');
  pki = await makeTestPki(dir.path);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  dir?.remove();
});

describe('vigil server', () => {
  it('refuses plain HTTP on a non-loopback address before opening anything', async () => {
    const data = join(dir.path, 'refused');
    const running = startCliInProcess([
      '--data',
      data,
      'server',
      '--listen',
      '0.0.0.0:8443',
      '--database',
      'postgres://vigil@127.0.0.1:1/none',
      '--blobs',
      join(dir.path, 'none'),
    ]);
    expect(await running.exit).toBe(2);
    expect(running.stderr()).toMatch(/^error input\.invalid: listening on 0\.0\.0\.0 needs TLS/);
    expect(running.stderr().trim().split('\n')).toHaveLength(1);
    expect(existsSync(data)).toBe(false);
  });

  it('refuses a --listen that is not HOST:PORT and a --database that is not postgres://', async () => {
    const data = join(dir.path, 'refused-2');
    const listen = startCliInProcess([
      '--data',
      data,
      'server',
      '--listen',
      'somewhere',
      '--database',
      'postgres://x/y',
      '--blobs',
      data,
    ]);
    expect(await listen.exit).toBe(2);
    expect(listen.stderr()).toMatch(/--listen must be HOST:PORT/);
    const db = startCliInProcess([
      '--data',
      data,
      'server',
      '--listen',
      '127.0.0.1:0',
      '--database',
      'sqlite:x',
      '--blobs',
      data,
    ]);
    expect(await db.exit).toBe(2);
    expect(db.stderr()).toMatch(/--database must be a postgres:\/\/ URL/);
  });

  it('serves the backend on PostgreSQL and a shared folder over HTTPS to password sign-ins', async () => {
    cluster = await startPostgres();
    const database = await cluster.createDatabase();
    const data = join(dir.path, 'server-data');
    const blobs = join(dir.path, 'shared-blobs');
    mkdirSync(blobs);
    const running = startCliInProcess(
      [
        '--data',
        data,
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
    try {
      const url = await teamServerUrlOf(running);
      expect(running.stdout()).toContain('administrator admin created');
      const admin = connectTeamServer({ url, ca: pki.ca });
      const ivan = connectTeamServer({ url, ca: pki.ca });
      try {
        expect(await admin.signIn('admin', 'first admin password')).toMatchObject({ ok: true });
        expect(
          await admin.call('users.add', {
            name: 'ivan',
            role: 'investigator',
            password: 'investigator password',
          }),
        ).toMatchObject({ ok: true });
        expect(await ivan.signIn('ivan', 'investigator password')).toMatchObject({
          ok: true,
          value: { role: 'investigator' },
        });
        expect(await ivan.call('reports.add', { url: 'https://example.org/on-postgres' })).toMatchObject({
          ok: true,
        });
        // Adding users is an administrator's act: the role check holds on the team server too.
        expect(
          await ivan.call('users.add', { name: 'mallory', role: 'admin', password: 'a long password' }),
        ).toMatchObject({
          ok: false,
          error: { code: 'auth.forbidden' },
        });
      } finally {
        admin.close();
        ivan.close();
      }
      // The records are in PostgreSQL, not in a SQLite file of the server's data dir.
      expect(existsSync(join(data, 'vigil.db'))).toBe(false);
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      try {
        const rows = await client.query<{ url: string }>('SELECT url FROM resources');
        expect(rows.rows.map((r) => r.url)).toContain('https://example.org/on-postgres');
      } finally {
        await client.end();
      }
    } finally {
      running.stop();
    }
    expect(await running.exit).toBe(0);
  }, 120_000);
});
