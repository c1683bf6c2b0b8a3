import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyCustodyLog } from '@core/custody/audit-head';
import { openWorkspace, type Workspace } from '@core/workspace';
import { startPostgres, type PostgresCluster } from '@tests/helpers/postgres';
import { tempDir } from '@tests/helpers/temp-dir';

let cluster: PostgresCluster;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
}, 90_000);
afterAll(async () => {
  await cluster.stop();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dataDir(): string {
  const dir = tempDir();
  cleanups.push(dir.remove);
  return join(dir.path, 'data');
}

async function open(dir: string, database?: string): Promise<Workspace> {
  const { workspace } = await openWorkspace({
    dataDir: dir,
    ...(database === undefined ? {} : { database }),
  });
  cleanups.push(() => workspace.close());
  return workspace;
}

const append = (ws: Workspace, subject: string): Promise<unknown> =>
  ws.record((_tx, audit) => audit({ actor: 'alice', action: 'test.event', subject, details: {} }));

/** What the database's owner can do with psql: the statements the triggers otherwise refuse. */
async function asOwner(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const heads = async (ws: Workspace): Promise<{ seq: number }[]> =>
  ws.db.read((c) => c.all<{ seq: number }>('SELECT seq FROM audit_heads ORDER BY seq'));

const verify = (ws: Workspace) =>
  verifyCustodyLog({ paths: ws.paths, db: ws.db, publicKeyPem: ws.workstation.publicKeyPem });

describe('a workspace on PostgreSQL', () => {
  it('keeps its records and its signed head in the database, and reopens onto the same one', async () => {
    const url = await cluster.createDatabase();
    const dir = dataDir();
    const { workspace: ws, created } = await openWorkspace({ dataDir: dir, database: url });
    cleanups.push(() => ws.close());
    expect(created).toContain('database');
    for (const s of ['a', 'b', 'c']) await append(ws, s);
    expect(await heads(ws)).toEqual([1, 2, 3, 4].map((seq) => ({ seq })));
    expect(await ws.readAnchor()).toMatchObject({ seq: 4 });
    // Nothing of the records or the head is in the data dir: keys, CA and logs only.
    expect(existsSync(join(dir, 'vigil.db'))).toBe(false);
    expect(existsSync(join(dir, 'logs', 'audit-head.json'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'vigil-data.json'), 'utf8'))).toMatchObject({
      state: 'ready',
      database: url,
    });
    await ws.close();

    const again = await open(dir, url);
    expect(await again.db.read((c) => c.get<{ n: number }>('SELECT count(*) AS n FROM audit'))).toEqual({
      n: 4,
    });
    expect(await verify(again)).toMatchObject({ ok: true, rows: 4 });
  });

  it('never opens an initialised data dir against another database, or on SQLite instead', async () => {
    const url = await cluster.createDatabase();
    const dir = dataDir();
    await (await open(dir, url)).close();
    const other = await cluster.createDatabase();
    await expect(openWorkspace({ dataDir: dir, database: other })).rejects.toMatchObject({
      code: 'env.data-dir',
      message: expect.stringContaining(`initialised against ${url}; it cannot be opened against ${other}`),
    });
    await expect(openWorkspace({ dataDir: dir })).rejects.toMatchObject({ code: 'env.data-dir' });
    // And a workstation's SQLite data dir is not moved onto a server by a flag.
    const local = dataDir();
    await (await open(local)).close();
    await expect(openWorkspace({ dataDir: local, database: other })).rejects.toMatchObject({
      code: 'env.data-dir',
      message: expect.stringContaining('its own SQLite database'),
    });
  });

  it('reports a database whose schema is gone as damage, never as a fresh start', async () => {
    const url = await cluster.createDatabase();
    const dir = dataDir();
    await (await open(dir, url)).close();
    await asOwner(url, 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
    await expect(openWorkspace({ dataDir: dir, database: url })).rejects.toMatchObject({
      code: 'store.damaged',
      message: expect.stringMatching(/holds no Vigil schema.*never re-created/),
    });
    // Still nothing there: the failed open created no schema.
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    const tables = await probe.query("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'");
    await probe.end();
    expect(tables.rowCount).toBe(0);
  });

  it('refuses a new data dir on a database that holds another data dir’s custody log', async () => {
    const url = await cluster.createDatabase();
    await (await open(dataDir(), url)).close();
    await expect(openWorkspace({ dataDir: dataDir(), database: url })).rejects.toMatchObject({
      code: 'env.data-dir',
      message: expect.stringContaining('already holds the custody log of another data dir'),
    });
  });

  it('names the server, without its password, when it cannot be reached', async () => {
    const refused = 'postgres://vigil:s3cret@127.0.0.1:1/vigil';
    const error = await openWorkspace({ dataDir: dataDir(), database: refused }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'env.database',
      message: expect.stringContaining('connection refused'),
    });
    expect((error as Error).message).toContain('postgres://vigil@127.0.0.1:1/vigil');
    expect((error as Error).message).not.toContain('s3cret');
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('keeps the heads append-only, and a head missing where rows exist is damage', async () => {
    const url = await cluster.createDatabase();
    const dir = dataDir();
    const ws = await open(dir, url);
    await append(ws, 'a');
    await expect(ws.db.write((tx) => tx.run('DELETE FROM audit_heads'))).rejects.toMatchObject({
      code: 'db.append-only',
    });
    await expect(ws.db.write((tx) => tx.run("UPDATE audit_heads SET hash = 'x'"))).rejects.toMatchObject({
      code: 'db.append-only',
    });
    await ws.close();
    await asOwner(url, 'ALTER TABLE audit_heads DISABLE TRIGGER USER; DELETE FROM audit_heads;');
    await expect(openWorkspace({ dataDir: dir, database: url })).rejects.toMatchObject({
      code: 'store.damaged',
      message: expect.stringContaining('signed head of the custody log is missing'),
    });
  });

  it('moves the head only from a chain that verifies, and audit verify catches rows cut off', async () => {
    const url = await cluster.createDatabase();
    const dir = dataDir();
    const ws = await open(dir, url);
    for (const s of ['a', 'b', 'c', 'd']) await append(ws, s);
    await asOwner(url, 'ALTER TABLE audit DISABLE TRIGGER USER; DELETE FROM audit WHERE seq >= 4;');
    // New work on the shortened log: rows 4' and 5' do not continue the chain the head signed at 5.
    await append(ws, 'later-1');
    await append(ws, 'later-2');
    expect(await ws.readAnchor()).toMatchObject({ seq: 5 });
    expect((await heads(ws)).at(-1)).toEqual({ seq: 5 });
    expect(await verify(ws)).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('two server processes writing at once: heads in order, one chain that verifies', async () => {
    const url = await cluster.createDatabase();
    const dir = dataDir();
    await (await open(dir, url)).close();
    // Two workspaces on one data dir and database: two connections, as two server processes hold.
    const [one, two] = [await open(dir, url), await open(dir, url)];
    await Promise.all(
      [one, two].map(async (ws, w) => {
        for (let i = 0; i < 25; i += 1) await append(ws, `writer-${w}:${i}`);
      }),
    );
    const seqs = (await heads(one)).map((h) => h.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs.at(-1)).toBe(51);
    // Every append moved the head: each transaction wrote its head with its rows, under the lock.
    expect(seqs).toHaveLength(51);
    expect(await verify(two)).toMatchObject({ ok: true, rows: 51 });
  });
});
