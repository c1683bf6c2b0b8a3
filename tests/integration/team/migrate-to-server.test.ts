import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import sqlite3 from 'sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { migrateToServer, readIdentity } from '@core/migrate-server/migrate-client';
import { dataPaths } from '@core/data-dir';
import { MIGRATION_ROUTES } from '@shared/contract/methods/migration';
import { connectTeamServer, type TeamServerClient } from '@core/remote/remote-client';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { approvalOf } from '@tests/helpers/decision-input';
import { startCliInProcess, teamServerUrlOf, type RunningCli } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { startPostgres, type PostgresCluster } from '@tests/helpers/postgres';
import { tempDir } from '@tests/helpers/temp-dir';
import { makeTestPki, type TestPki } from './server-tls';

/**
 * `vigil migrate-to-server`: a workstation with reports, a capture and a decision moves into a real
 * `vigil server` (PostgreSQL, shared-folder blobs); the server lists the records, its custody log
 * and blobs verify, a second migration is refused, and the workstation's files are byte-identical.
 * A migration broken off midway is resumed by the same workstation (and by no other), and a row the
 * server already holds differently is reported by table and key.
 */

const PASSWORD = 'correct horse battery';
const ADMIN_PASSWORD = 'first admin password';

/** `vigil …` in-process, never reading a server or password from this machine's environment. */
const startCli = (args: readonly string[], stdin = ''): RunningCli =>
  startCliInProcess(args, stdin, { VIGIL_SERVER: '', VIGIL_PASSWORD: '' });

/** Every file under the data dir with its SHA-256: what "the source is untouched" compares. */
function hashTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[path.slice(root.length)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

/** A `vigil server` on its own fresh database and shared-folder blobs, with the administrator made. */
async function startServer(name: string): Promise<{ server: RunningCli; database: string; url: string }> {
  const database = await (cluster as PostgresCluster).createDatabase();
  const blobs = join(dir.path, `${name}-blobs`);
  mkdirSync(blobs);
  const server = startCli(
    [
      '--data',
      join(dir.path, `${name}-data`),
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
    `${ADMIN_PASSWORD}\n`,
  );
  servers.push(server);
  return { server, database, url: await teamServerUrlOf(server) };
}

const servers: RunningCli[] = [];
let dir: { path: string; remove: () => void };
let site: FixtureSite;
let pki: TestPki;
let cluster: PostgresCluster | null = null;
let workstation: string;
let caFile: string;
let database: string;
let url: string;
let captureId: string;

beforeAll(async () => {
  dir = tempDir('vigil-migrate-');
  site = await startFixtureSite();
  pki = await makeTestPki(dir.path);
  caFile = join(dir.path, 'unit-ca.pem');
  writeFileSync(caFile, pki.ca);
  workstation = join(dir.path, 'workstation');
  const backend = await createBackend({ dataDir: workstation, env: { VIGIL_BROWSER: CHROMIUM } });
  try {
    await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
    await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
    const intake = createIntakeService(backend.workspace);
    const options = { actor: 'ivan', allowPrivateNetwork: true };
    await intake.addReport({ url: 'https://example.org/only-reported', sourceType: 'volunteer' }, options);
    const { resource } = await intake.addReport({ url: `${site.http}/`, sourceType: 'volunteer' }, options);
    const capture = await backend.captures.captureResource(resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      timeoutSeconds: 60,
    });
    expect(capture.outcome).toBe('complete');
    captureId = capture.id;
    valueOf(await callAs(backend, 'ivan', 'review.request', { resourceId: resource.id }));
    valueOf(
      await callAs(backend, 'rita', 'review.decide', {
        resourceId: resource.id,
        decision: approvalOf(`${site.http}/`),
        password: PASSWORD,
      }),
    );
  } finally {
    await backend.close();
  }
  cluster = await startPostgres();
  ({ database, url } = await startServer('server'));
}, 240_000);

afterAll(async () => {
  for (const running of servers) running.stop();
  await Promise.all(servers.map((running) => running.exit));
  await cluster?.stop();
  await site?.close();
  dir?.remove();
});

const migrate = (data = workstation, to = url) =>
  startCli(
    [
      '--data',
      data,
      'migrate-to-server',
      '--server',
      to,
      '--ca',
      caFile,
      '--user',
      'admin',
      '--password-stdin',
    ],
    `${ADMIN_PASSWORD}\n`,
  );

async function countsOnServer(on = database): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: on });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of ['resources', 'reports', 'captures', 'artifacts', 'decisions', 'users']) {
      const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      counts[table] = Number(r.rows[0]?.n);
    }
    const event = await client.query<{ details: string }>(
      "SELECT details FROM audit WHERE action = 'workspace.migrated'",
    );
    counts.migratedEvents = event.rows.length;
    return counts;
  } finally {
    await client.end();
  }
}

async function actionsOnServer(on: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: on });
  await client.connect();
  try {
    const r = await client.query<{ action: string }>(
      "SELECT action FROM audit WHERE action LIKE 'workspace.migrat%' ORDER BY seq",
    );
    return r.rows.map((row) => row.action);
  } finally {
    await client.end();
  }
}

/**
 * The admin's session on a server, broken off at the first batch of `table` (or, given `finish`, at
 * the request to verify): the connection closed, the request never sent.
 */
async function droppingAt(to: string, table: string): Promise<TeamServerClient> {
  const client = connectTeamServer({ url: to, ca: pki.ca });
  expect(await client.signIn('admin', ADMIN_PASSWORD)).toMatchObject({ ok: true });
  return {
    ...client,
    request: (method, path, body, contentType) => {
      const atFinish = table === 'finish' && path.endsWith('/finish');
      const atTable =
        typeof body === 'string' && path.endsWith('/rows') && body.includes(`"table":"${table}"`);
      if (atFinish || atTable) {
        client.close();
        return Promise.reject(new Error('connection dropped'));
      }
      return client.request(method, path, body, contentType);
    },
  };
}

/** The first file under `root`, depth first: one stored blob. */
function firstFile(root: string): string {
  for (const name of readdirSync(root).sort()) {
    const path = join(root, name);
    if (!statSync(path).isDirectory()) return path;
    const found = firstFile(path);
    if (found !== '') return found;
  }
  return '';
}

/** A copy of the workstation with one signed record's signature replaced by another well-formed one. */
async function forgedCopy(name: string, table: 'captures' | 'decisions'): Promise<string> {
  const copy = join(dir.path, name);
  cpSync(workstation, copy, { recursive: true });
  const db = new sqlite3.Database(join(copy, 'vigil.db'));
  const exec = (sql: string) =>
    new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
  await exec(
    `DROP TRIGGER ${table}_no_update; UPDATE ${table} SET record = json_set(record, '$.signature.value', '${Buffer.alloc(64, 7).toString('base64')}');`,
  );
  await new Promise<void>((resolve) => db.close(() => resolve()));
  return copy;
}

describe('vigil migrate-to-server', () => {
  it('refuses a workstation whose blob no longer has its hash, before any record arrives', async () => {
    const copy = join(dir.path, 'tampered-workstation');
    cpSync(workstation, copy, { recursive: true });
    const blob = firstFile(join(copy, 'blobs'));
    chmodSync(blob, 0o644);
    writeFileSync(blob, Buffer.concat([readFileSync(blob), Buffer.from('tampered')]));
    const refused = migrate(copy);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toMatch(
      /error custody\.signature-invalid: the uploaded bytes hash to [0-9a-f]{64}, not /,
    );
    expect(await countsOnServer()).toMatchObject({ resources: 0, captures: 0, migratedEvents: 0 });
  });

  it('copies every record and blob into the team server, verified there, the source untouched', async () => {
    const before = hashTree(workstation);
    const first = migrate();
    expect(await first.exit, first.stderr()).toBe(0);
    expect(first.stdout()).toMatch(/captures: 1 manifest signatures verified/);
    expect(first.stdout()).toMatch(/decisions: 1 reviewer signatures verified/);
    expect(first.stdout()).toMatch(/resources: 2\n/);
    expect(first.stdout()).toMatch(/decisions: 1\n/);
    expect(hashTree(workstation)).toEqual(before);

    expect(await countsOnServer()).toMatchObject({
      resources: 2,
      reports: 2,
      captures: 1,
      decisions: 1,
      // The server's admin and the workstation's two users.
      users: 3,
      migratedEvents: 1,
    });
    const admin = connectTeamServer({ url, ca: pki.ca });
    try {
      expect(await admin.signIn('admin', ADMIN_PASSWORD)).toMatchObject({ ok: true });
      const listed = valueOf<{ items: { id: string }[] }>(await admin.call('resources.list', {}));
      expect(listed.items).toHaveLength(2);
      expect(valueOf(await admin.call('capture.get', { id: captureId }))).toMatchObject({ id: captureId });
      expect(valueOf(await admin.call('audit.verify', {}))).toMatchObject({ ok: true });
      // Every blob re-hashes (the refused upload above left its bytes behind, unreferenced).
      expect(valueOf(await admin.call('store.verify', {}))).toMatchObject({ bad: [] });
    } finally {
      admin.close();
    }
  });

  it("exports a court bundle of a migrated resource that carries the workstation's custody of it", async () => {
    const admin = connectTeamServer({ url, ca: pki.ca });
    try {
      expect(await admin.signIn('admin', ADMIN_PASSWORD)).toMatchObject({ ok: true });
      const capture = valueOf<{ resourceId: string }>(await admin.call('capture.get', { id: captureId }));
      const exported = valueOf<{ path: string }>(
        await admin.call('bundle.export', { resourceIds: [capture.resourceId], asDirectory: true }),
      );
      const report = valueOf<{ ok: boolean; checks: { check: string; ok: boolean; message: string }[] }>(
        await admin.call('bundle.verify', { path: exported.path }),
      );
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.checks.find((c) => c.check === 'custody.migrated')).toMatchObject({ ok: true });
      const manifest = JSON.parse(readFileSync(join(exported.path, 'manifest.json'), 'utf8')) as {
        custody: { migrated: { file: string; head: string; rows: number }[] };
      };
      const [entry] = manifest.custody.migrated;
      const file = join(exported.path, entry?.file ?? 'missing');
      const migrated = readFileSync(file, 'utf8').trim().split('\n');
      // The workstation's own rows of the capture and the decision, not only the server's.
      expect(migrated.map((line) => (JSON.parse(line) as { action: string }).action)).toEqual(
        expect.arrayContaining(['capture.sealed', 'decision.signed']),
      );
      expect(readFileSync(join(exported.path, 'README.txt'), 'utf8')).toMatch(
        /custody\/migrated-<key>\.jsonl are checked the same way/,
      );
      // An edited row, a head put back with another time, an anchor moved to another row: each named.
      const copy = `${exported.path}-edited`;
      cpSync(exported.path, copy, { recursive: true });
      const edit = (name: string, change: (text: string) => string) => {
        const path = join(copy, name);
        chmodSync(path, 0o644);
        writeFileSync(path, change(readFileSync(path, 'utf8')));
      };
      edit(entry?.file ?? 'missing', (t) => t.replace('"capture.sealed"', '"capture.discarded"'));
      edit(entry?.head ?? 'missing', (t) => t.replace(/"at": ?"\d{4}/, '"at":"1999'));
      // The anchor (the server's only row of these subjects here) made to name another workstation.
      edit('custody.jsonl', (t) => t.replace('"subject":"workstation:', '"subject":"workstation:0'));
      const refused = valueOf<{ checks: { check: string; ok: boolean; message: string }[] }>(
        await admin.call('bundle.verify', { path: copy }),
      );
      const check = refused.checks.find((c) => c.check === 'custody.migrated');
      expect(check?.ok).toBe(false);
      expect(check?.message).toMatch(/does not recompute/);
      expect(check?.message).toMatch(/the signed head does not verify/);
      expect(check?.message).toMatch(/custody row \d+ is not the migration of workstation/);
    } finally {
      admin.close();
    }
  });

  it('refuses a second migration into a server that holds evidence', async () => {
    const before = hashTree(workstation);
    const again = migrate();
    expect(await again.exit).toBe(2);
    expect(again.stderr()).toMatch(/^error input\.invalid: this team server already holds evidence/);
    expect(again.stderr().trim().split('\n')).toHaveLength(1);
    expect(hashTree(workstation)).toEqual(before);
    expect((await countsOnServer()).migratedEvents).toBe(1);
  });

  it('records no migration when a capture manifest signature does not verify on the server', async () => {
    const fresh = await startServer('fresh');
    const refused = migrate(await forgedCopy('forged-capture', 'captures'), fresh.url);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toMatch(
      new RegExp(
        `^error custody\\.signature-invalid: migration refused: the manifest signature of capture ${captureId} does not verify \\(migration \\S+ stays in progress with the rows copied so far`,
        'm',
      ),
    );
    expect((await countsOnServer(fresh.database)).migratedEvents).toBe(0);
  });

  it("records no migration when a decision's reviewer signature does not verify on the server", async () => {
    const fresh = await startServer('fresh-2');
    const refused = migrate(await forgedCopy('forged-decision', 'decisions'), fresh.url);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toMatch(
      /^error custody\.signature-invalid: migration refused: the signature of decision \S+ does not verify/m,
    );
    expect((await countsOnServer(fresh.database)).migratedEvents).toBe(0);
  });

  it('resumes a migration broken off midway from the same workstation, and refuses any other', async () => {
    const fresh = await startServer('resumed');
    const dropping = await droppingAt(fresh.url, 'reports');
    await expect(migrateToServer(dropping, workstation, () => undefined)).rejects.toThrow(
      /connection dropped/,
    );
    // The resources are in, unverified: the server holds evidence now.
    expect(await countsOnServer(fresh.database)).toMatchObject({
      resources: 2,
      reports: 0,
      migratedEvents: 0,
    });

    const other = join(dir.path, 'other-workstation');
    await (await createBackend({ dataDir: other, env: { VIGIL_BROWSER: CHROMIUM } })).close();
    const refused = migrate(other, fresh.url);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toMatch(
      /^error input\.invalid: a migration of workstation [0-9a-f]{16} is in progress on this team server since \S+: only that workstation can resume it, not [0-9a-f]{16}\n$/,
    );

    const resumed = migrate(workstation, fresh.url);
    expect(await resumed.exit, resumed.stderr()).toBe(0);
    expect(resumed.stderr()).toMatch(/resuming migration /);
    expect(resumed.stdout()).toMatch(/migrated and verified on the team server \(resumed\)/);
    expect(resumed.stdout()).toMatch(/resources: 2 \(2 already on the server, compared equal\)\n/);
    expect(resumed.stdout()).toMatch(/reports: 2\n/);
    expect(await countsOnServer(fresh.database)).toMatchObject({
      resources: 2,
      reports: 2,
      captures: 1,
      decisions: 1,
      users: 3,
      migratedEvents: 1,
    });
    expect(await actionsOnServer(fresh.database)).toEqual([
      'workspace.migration-begun',
      'workspace.migration-refused',
      'workspace.migration-resumed',
      'workspace.migrated',
    ]);
    const admin = connectTeamServer({ url: fresh.url, ca: pki.ca });
    try {
      expect(await admin.signIn('admin', ADMIN_PASSWORD)).toMatchObject({ ok: true });
      expect(valueOf(await admin.call('audit.verify', {}))).toMatchObject({ ok: true });
      expect(valueOf(await admin.call('store.verify', {}))).toMatchObject({ bad: [] });
    } finally {
      admin.close();
    }
    const finished = migrate(workstation, fresh.url);
    expect(await finished.exit).toBe(2);
    expect(finished.stderr()).toMatch(
      /^error input\.invalid: this team server already holds evidence: workstation [0-9a-f]{16} was migrated in at /,
    );
  });

  it("lets only one of two workstations begin at the same moment, and records a begin whose certificate is not its CA's", async () => {
    const fresh = await startServer('racing');
    const other = join(dir.path, 'racing-workstation');
    await (await createBackend({ dataDir: other, env: { VIGIL_BROWSER: CHROMIUM } })).close();
    const clients = [
      connectTeamServer({ url: fresh.url, ca: pki.ca }),
      connectTeamServer({ url: fresh.url, ca: pki.ca }),
    ];
    try {
      for (const c of clients) expect(await c.signIn('admin', ADMIN_PASSWORD)).toMatchObject({ ok: true });
      const begin = async (c: TeamServerClient, data: string) =>
        c.request(
          'POST',
          MIGRATION_ROUTES.begin,
          JSON.stringify(await readIdentity(dataPaths(data))),
          'application/json',
        );
      const [a, b] = clients;
      if (a === undefined || b === undefined) throw new Error('two clients');
      const replies = await Promise.all([begin(a, workstation), begin(b, other)]);
      expect(replies.filter((r) => r.ok)).toHaveLength(1);
      expect(replies.find((r) => !r.ok)).toMatchObject({
        ok: false,
        error: {
          code: 'input.invalid',
          message: expect.stringMatching(/is in progress on this team server/),
        },
      });
      // A workstation certificate presented with a CA that did not issue it.
      const forged = { ...(await readIdentity(dataPaths(other))), caCertificatePem: pki.ca };
      const refused = await a.request(
        'POST',
        MIGRATION_ROUTES.begin,
        JSON.stringify(forged),
        'application/json',
      );
      expect(refused).toMatchObject({
        ok: false,
        error: { message: expect.stringMatching(/not issued by its CA/) },
      });
    } finally {
      for (const c of clients) c.close();
    }
    expect(await actionsOnServer(fresh.database)).toEqual([
      'workspace.migration-begun',
      'workspace.migration-refused',
      'workspace.migration-refused',
    ]);
  });

  it('reports a user the server already has under the same name with other keys, and records nothing', async () => {
    const fresh = await startServer('conflict');
    const admin = connectTeamServer({ url: fresh.url, ca: pki.ca });
    try {
      expect(await admin.signIn('admin', ADMIN_PASSWORD)).toMatchObject({ ok: true });
      valueOf(await admin.call('users.add', { name: 'ivan', role: 'investigator', password: PASSWORD }));
    } finally {
      admin.close();
    }
    const refused = migrate(workstation, fresh.url);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toMatch(
      /^error evidence\.integrity-mismatch: migration refused: users \(name=ivan\) is already on this server with a different id, [a-z_, ]*password_hash/m,
    );
    expect(refused.stderr()).toMatch(/^error .*\n$/m);
    expect(await countsOnServer(fresh.database)).toMatchObject({ resources: 0, migratedEvents: 0 });
    expect(await actionsOnServer(fresh.database)).toEqual([
      'workspace.migration-begun',
      'workspace.migration-refused',
    ]);
  });

  it('compares the rows a resumed run finds already there: one changed on the workstation is named', async () => {
    const fresh = await startServer('changed');
    const copy = join(dir.path, 'changed-workstation');
    cpSync(workstation, copy, { recursive: true });
    await expect(
      migrateToServer(await droppingAt(fresh.url, 'reports'), copy, () => undefined),
    ).rejects.toThrow(/connection dropped/);
    const db = new sqlite3.Database(join(copy, 'vigil.db'));
    await new Promise<void>((resolve, reject) =>
      db.exec("UPDATE resources SET last_title = 'changed meanwhile'", (e) => (e ? reject(e) : resolve())),
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    const refused = migrate(copy, fresh.url);
    expect(await refused.exit).toBe(2);
    expect(refused.stderr()).toMatch(
      /^error evidence\.integrity-mismatch: migration refused: resources \(id=\S+\) is already on this server with a different last_title \(migration \S+ stays in progress/m,
    );
    expect(await countsOnServer(fresh.database)).toMatchObject({ reports: 0, migratedEvents: 0 });
  });

  it('resumes a run broken off before the final check: every row is compared, none doubled', async () => {
    const fresh = await startServer('before-finish');
    await expect(
      migrateToServer(await droppingAt(fresh.url, 'finish'), workstation, () => undefined),
    ).rejects.toThrow(/connection dropped/);
    const resumed = migrate(workstation, fresh.url);
    expect(await resumed.exit, resumed.stderr()).toBe(0);
    expect(resumed.stdout()).toMatch(/reports: 2 \(2 already on the server, compared equal\)\n/);
    expect(resumed.stdout()).toMatch(/text_index: (\d+) \(\1 already on the server, compared equal\)\n/);
    const client = new pg.Client({ connectionString: fresh.database });
    await client.connect();
    try {
      const r = await client.query<{ n: string }>('SELECT count(*) AS n FROM text_index');
      const source = /text_index: (\d+)/.exec(resumed.stdout())?.[1];
      expect(r.rows[0]?.n).toBe(source);
    } finally {
      await client.end();
    }
  });
});
