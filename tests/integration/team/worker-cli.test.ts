import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '@core/cli/cli-types';
import { runCli } from '@core/cli/run-cli';
import { connectTeamServer, type TeamServerClient } from '@core/remote/remote-client';
import type { AuditRow } from '@shared/contract/methods/custody';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { CHROMIUM } from '@tests/helpers/chromium';
import { BUILT_CLI, vigil } from '@tests/helpers/cli';
import { startPostgres, type PostgresCluster } from '@tests/helpers/postgres';
import { tempDir } from '@tests/helpers/temp-dir';
import { makeTestPki, type TestPki } from './server-tls';

/**
 * `vigil server` on a real PostgreSQL (in this process, as a terminal runs it) and `vigil worker`
 * processes of the built CLI with their own data dirs and real Chromium: capture requests made by a
 * signed-in user go to the workers' queue, and a worker killed mid-capture loses its job to another.
 */

const PASSWORD = 'first admin password';
/** Short, so that a dead worker's job is taken over within seconds (pg-boss expiry, `--job-lease`). */
const LEASE_SECONDS = 10;

type Server = Readonly<{ url: string; stop: () => Promise<number>; stdout: () => string }>;
type WorkerProcess = Readonly<{
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | NodeJS.Signals>;
}>;

let dir: { path: string; remove: () => void };
let pki: TestPki;
let caFile: string;
let cluster: PostgresCluster;
let page: http.Server;
let pageBase = '';
const sockets = new Set<Socket>();
const hangOnce = new Set<string>();
let hung: (() => void) | null = null;
const children: ChildProcess[] = [];
/** What the workers printed, shown when a wait times out. */
const logs: string[] = [];

/** `/hang/NAME` answers the head of a page and never its end the first time, a whole page after. */
function servePage(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader('content-type', 'text/html');
  const url = req.url ?? '/';
  if (url.startsWith('/hang/') && !hangOnce.has(url)) {
    hangOnce.add(url);
    res.write('<!doctype html><title>Hanging</title><p>loading');
    hung?.();
    return;
  }
  res.end(`<!doctype html><title>Page ${url}</title><p>WORKER-PAGE ${url}`);
}

function startServer(data: string, database: string, blobs: string): Server {
  let stdout = '';
  let stderr = '';
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: () => Promise.resolve(`${PASSWORD}\n`),
    stdinIsTty: false,
    env: { ...process.env, VIGIL_NO_OPEN: '1' },
    cwd: process.cwd(),
    waitForStop: () => stopped,
  };
  const args = ['--data', data, 'server', '--database', database, '--blobs', blobs];
  args.push('--listen', '127.0.0.1:0', '--tls-cert', pki.certFile, '--tls-key', pki.keyFile);
  args.push('--setup-admin', 'admin', '--password-stdin');
  args.push('--job-lease', String(LEASE_SECONDS), '--job-retry-delay', '1');
  const exit = runCli(args, io);
  return {
    stdout: () => stdout,
    stop: () => {
      stop();
      return exit;
    },
    get url(): string {
      const found = /team server at (https:\/\/\S+)/.exec(stdout);
      if (found?.[1] === undefined) throw new Error(`no URL yet: ${stdout} ${stderr}`);
      return found[1];
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | null> | T | null, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${logs.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `vigil worker` of the built CLI: its own process, its own data dir and key, this machine's Chromium. */
function startWorker(data: string, url: string): WorkerProcess {
  const child = spawn(
    process.execPath,
    [BUILT_CLI, '--data', data, 'worker', '--server', url, '--ca', caFile, '--allow-private-network'],
    { env: { ...process.env, VIGIL_DATA: '', VIGIL_BROWSER: CHROMIUM }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  const index = logs.push('') - 1;
  const onData = (c: Buffer): void => {
    out += c.toString('utf8');
    logs[index] = `${data}: ${out}`;
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exit = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  return { child, out: () => out, exit };
}

/** A worker's data dir and key, registered on the server's data by `vigil worker add`. */
async function registerWorker(name: string, serverData: string, database: string): Promise<string> {
  const data = join(dir.path, `worker-${name}`);
  const key = await vigil(['--data', data, 'worker', 'key']);
  expect(key.code).toBe(0);
  const keyFile = join(dir.path, `${name}.pem`);
  writeFileSync(keyFile, key.stdout);
  const args = ['--data', serverData, 'worker', 'add', name, '--public-key', keyFile];
  const added = await vigil([...args, '--database', database]);
  expect(added.stderr).toBe('');
  expect(added.stdout).toMatch(new RegExp(`^worker ${name} registered \\(key `));
  return data;
}

async function call<T>(client: TeamServerClient, method: string, input: unknown): Promise<T> {
  const reply = await client.call(method, input);
  if (!reply.ok) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
  return reply.value as T;
}

const capturesOf = async (client: TeamServerClient, id: string) =>
  (await call<{ captures: CaptureRecord[] }>(client, 'resources.get', { id })).captures;

/** The custody events of one action about one subject (`resource:ID`, `capture:ID`), oldest first. */
const auditOf = async (client: TeamServerClient, action: string, subject: string) =>
  (await call<{ rows: AuditRow[] }>(client, 'audit.list', { action, limit: 1000 })).rows
    .filter((r) => r.subject === subject)
    .sort((a, b) => a.seq - b.seq);

async function requestCapture(client: TeamServerClient, url: string): Promise<string> {
  const added = await call<{ resource: { id: string } }>(client, 'reports.add', { url });
  const queued = await call<{ queued: number }>(client, 'capture.enqueue', {
    resourceIds: [added.resource.id],
  });
  expect(queued.queued).toBe(1);
  return added.resource.id;
}

let server: Server;
let admin: TeamServerClient;
let serverData = '';
let database = '';

beforeAll(async () => {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  dir = tempDir('vigil-worker-cli-');
  pki = await makeTestPki(dir.path);
  caFile = join(dir.path, 'unit-ca.pem');
  writeFileSync(caFile, pki.ca);
  page = http.createServer(servePage);
  page.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', () => resolve()));
  pageBase = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  cluster = await startPostgres();
  database = await cluster.createDatabase();
  serverData = join(dir.path, 'server-data');
  const blobs = join(dir.path, 'shared-blobs');
  mkdirSync(blobs);
  server = startServer(serverData, database, blobs);
  await until('the server URL', () => (/team server at /.test(server.stdout()) ? true : null));
  admin = connectTeamServer({ url: server.url, ca: pki.ca });
  expect(await admin.signIn('admin', PASSWORD)).toMatchObject({ ok: true });
  // The test pages are on loopback: the unit's reports of them are let through, as its workers' captures are.
  await call(admin, 'settings.update', { allowPrivateNetwork: true });
}, 120_000);

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  admin?.close();
  await server?.stop();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (page ? page.close(() => resolve()) : resolve()));
  await cluster?.stop();
  dir?.remove();
}, 60_000);

describe('vigil worker against vigil server', () => {
  it('a capture a user requests is sealed by a worker and names it; the worker ends on SIGTERM', async () => {
    const data = await registerWorker('alpha', serverData, database);
    const listed = await vigil(['--data', serverData, 'worker', 'list', '--database', database, '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject({ workers: [{ name: 'alpha', addedBy: /^os:/ }] });

    const worker = startWorker(data, server.url);
    const id = await requestCapture(admin, `${pageBase}/first`);
    const [capture] = await until('the worker capture', async () => {
      const found = await capturesOf(admin, id);
      return found.length > 0 ? found : null;
    });
    expect(capture?.outcome).toBe('complete');
    expect(capture?.context.operator).toBe('worker:alpha');
    expect(capture?.page.title).toBe('Page /first');
    // Queued on the PostgreSQL queue by the user who asked, sealed by the worker under its own key.
    const queued = await auditOf(admin, 'capture.queued', `resource:${id}`);
    expect(queued.map((r) => [r.actor, (r.details as { queue?: string }).queue])).toEqual([
      ['admin', 'workers'],
    ]);
    const sealed = await auditOf(admin, 'capture.sealed', `capture:${capture?.id ?? ''}`);
    expect(sealed.map((r) => [r.actor, (r.details as { worker?: string }).worker])).toEqual([
      ['worker:alpha', 'alpha'],
    ]);

    worker.child.kill('SIGTERM');
    expect(await worker.exit).toBe(0);
    expect(worker.out()).toMatch(/captured .*\/first as capture /);
    expect(worker.out()).toMatch(/worker stopped after 1 capture/);
  }, 120_000);

  it('refuses a bad --concurrency, a missing --server, a key that is not P-256 and a name taken twice', async () => {
    const data = join(dir.path, 'worker-refusals');
    const noServer = await vigil(['--data', data, 'worker']);
    expect([noServer.code, noServer.stderr]).toEqual([
      2,
      'error input.invalid: --server is required (https://HOST:PORT)\n',
    ]);
    const slots = await vigil(['--data', data, 'worker', '--server', server.url, '--concurrency', '0']);
    expect([slots.code, slots.stderr]).toEqual([
      2,
      'error input.invalid: --concurrency must be 1-8, not "0"\n',
    ]);
    const notKey = join(dir.path, 'not-a-key.pem');
    writeFileSync(notKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const args = ['--data', serverData, 'worker', 'add', 'gamma', '--database', database];
    const refused = await vigil([...args, '--public-key', notKey]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error input\.invalid: the worker key must be a P-256 public key in PEM/);
    await registerWorker('zeta', serverData, database);
    const again = await vigil([
      ...args.slice(0, 4),
      'zeta',
      ...args.slice(5),
      '--public-key',
      join(dir.path, 'zeta.pem'),
    ]);
    expect(again.stderr).toBe('error input.invalid: a worker named zeta is already registered\n');
  });

  it('a worker killed mid-capture: another worker takes the job over, one sealed capture, nothing half-recorded', async () => {
    const doomedData = await registerWorker('delta', serverData, database);
    const heirData = await registerWorker('epsilon', serverData, database);
    const pageHung = new Promise<void>((resolve) => (hung = resolve));
    const doomed = startWorker(doomedData, server.url);
    const id = await requestCapture(admin, `${pageBase}/hang/killed`);
    await pageHung;
    // Its Chromium is loading the page: the worker dies without a word to the server.
    doomed.child.kill('SIGKILL');
    expect(await doomed.exit).toBe('SIGKILL');
    expect(await capturesOf(admin, id)).toHaveLength(0);

    const heir = startWorker(heirData, server.url);
    const captures = await until(
      'the job taken over',
      async () => {
        const found = await capturesOf(admin, id);
        return found.length > 0 ? found : null;
      },
      LEASE_SECONDS * 5_000,
    );
    expect(captures).toHaveLength(1);
    expect(captures[0]?.context.operator).toBe('worker:epsilon');
    expect(captures[0]?.page.title).toBe('Page /hang/killed');
    const claims = await auditOf(admin, 'capture.claimed', `resource:${id}`);
    expect(claims.map((r) => r.actor)).toEqual(['worker:delta', 'worker:epsilon']);
    // The dead worker's half-done capture left nothing on the server: no row, no blob, no event.
    const sealed = (
      await call<{ rows: AuditRow[] }>(admin, 'audit.list', { action: 'capture.sealed', limit: 1000 })
    ).rows;
    expect(sealed.filter((r) => r.actor === 'worker:delta')).toHaveLength(0);
    expect(await call<{ bad: unknown[] }>(admin, 'store.verify', {})).toMatchObject({ bad: [] });
    expect(await call<{ ok: boolean }>(admin, 'audit.verify', {})).toMatchObject({ ok: true });

    heir.child.kill('SIGTERM');
    expect(await heir.exit).toBe(0);
  }, 180_000);
});
