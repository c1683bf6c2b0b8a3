// Capture workers on the team server's PostgreSQL queue (pg-boss in a throwaway cluster on loopback):
// 1. BENCH_QUEUE_PAGES pages of a loopback site captured by 1 worker, then by 3 workers (each one
//    capture slot, its own data dir, key and Chromium): pages/min and the ratio. This machine has 2
//    cores that Chromium, the workers and the server share, so 3 workers cannot be 3 times 1.
// 2. A worker killed at the first stage of its capture (it says nothing to the server, as a dead
//    process would): seconds until another worker sealed the job, the captures recorded for it (1),
//    and `store.verify` / `audit verify` of the server afterwards.
// Workers run in this process (their Chromium in its own processes); the server is the same backend,
// bridge and queue as `vigil server`. Printed, not asserted.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBackend, type Backend } from '../electron/core/backend';
import { startHttpBridge, type HttpBridge } from '../electron/core/bridge/http-bridge';
import { createWorkerClient } from '../electron/core/workers/worker-client';
import { startWorkerLoop, type WorkerLoop } from '../electron/core/workers/worker-loop';
import { addWorker } from '../electron/core/workers/worker-registry';
import { startTeamCaptureQueue, type TeamCaptureQueue } from '../electron/core/workers/team-capture-queue';
import { callAs, valueOf } from '../tests/helpers/backend-calls';
import { CHROMIUM } from '../tests/helpers/chromium';
import { startPostgres, type PostgresCluster } from '../tests/helpers/postgres';
import { tempDir } from '../tests/helpers/temp-dir';

const PAGES = Number(process.env.BENCH_QUEUE_PAGES ?? 12);
const LEASE_SECONDS = 10;

type Server = Readonly<{ backend: Backend; queue: TeamCaptureQueue; bridge: HttpBridge }>;

const removers: (() => void)[] = [];
const closers: (() => Promise<void>)[] = [];

/** A page with some text and an image, about what a small report page weighs. */
function startSite(): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    const body = Array.from({ length: 40 }, (_, i) => `<p>paragraph ${i} of ${req.url ?? ''}</p>`).join('');
    res.end(`<!doctype html><title>Bench ${req.url ?? ''}</title>${body}`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}

async function startServer(pg: PostgresCluster): Promise<Server> {
  const dir = tempDir('vigil-bench-queue-server-');
  removers.push(dir.remove);
  const database = await pg.createDatabase();
  const backend = await createBackend({ dataDir: dir.path, database });
  await backend.users.create({ name: 'admin', role: 'admin', password: 'a long enough password' }, 'bench');
  await backend.settings.update({ allowPrivateNetwork: true }, 'admin');
  const queue = await startTeamCaptureQueue(backend, {
    database,
    expireInSeconds: LEASE_SECONDS,
    retryDelaySeconds: 1,
  });
  const bridge = await startHttpBridge({ backend, staticDir: null, workerRoutes: queue.routes });
  closers.push(
    () => bridge.close(),
    () => queue.stop(),
    () => backend.close(),
  );
  return { backend, queue, bridge };
}

type Worker = Readonly<{
  backend: Backend;
  start: (onCaptured: () => void, onStage?: () => void) => WorkerLoop;
}>;

async function registerWorker(server: Server, name: string): Promise<Worker> {
  const dir = tempDir(`vigil-bench-worker-${name}-`);
  removers.push(dir.remove);
  const backend = await createBackend({
    dataDir: dir.path,
    workstationName: name,
    env: { ...process.env, VIGIL_BROWSER: CHROMIUM },
  });
  closers.push(() => backend.close());
  const key = backend.workspace.workstation;
  const ca = await server.backend.workspace.ca.unlock(undefined, 'admin');
  await addWorker(server.backend.workspace, ca, { name, publicKeyPem: key.publicKeyPem, actor: 'admin' });
  const client = createWorkerClient({
    server: server.bridge.url,
    signer: { keyId: key.keyId, privateKey: key.privateKey, clock: () => new Date() },
  });
  return {
    backend,
    start: (onCaptured, onStage) =>
      startWorkerLoop({
        backend,
        client,
        concurrency: 1,
        idleMs: 100,
        allowPrivateNetwork: true,
        onCaptured,
        ...(onStage ? { onStage } : {}),
      }),
  };
}

/** Requests captures of `urls` as a user would (`capture.enqueue`), which puts them on the queue. */
async function request(server: Server, urls: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const url of urls) {
    const added = valueOf<{ resource: { id: string } }>(
      await callAs(server.backend, 'admin', 'reports.add', { url }),
    );
    ids.push(added.resource.id);
  }
  valueOf(await callAs(server.backend, 'admin', 'capture.enqueue', { resourceIds: ids }));
  return ids;
}

/** Pages/min of `workers` (started before the clock runs: their Chromium start is not counted twice). */
async function pagesPerMinute(
  server: Server,
  workers: readonly Worker[],
  label: string,
  pages = PAGES,
): Promise<number> {
  const urls = Array.from({ length: pages }, (_, i) => `${site.base}/${label}/${i}`);
  let seen = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const started = process.hrtime.bigint();
  await request(server, urls);
  const loops = workers.map((w) =>
    w.start(() => {
      seen += 1;
      if (seen === pages) allDone();
    }),
  );
  await done;
  const minutes = Number(process.hrtime.bigint() - started) / 6e10;
  for (const loop of loops) await loop.stop();
  return pages / minutes;
}

async function killedWorker(server: Server, doomed: Worker, heir: Worker): Promise<void> {
  const [id] = await request(server, [`${site.base}/killed`]);
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    let killing: Promise<void> | null = null;
    const loop = doomed.start(
      () => undefined,
      () => {
        killing ??= loop.abandon().then(resolve);
      },
    );
  });
  const killedAt = Number(process.hrtime.bigint() - t0) / 1e9;
  let heirLoop: WorkerLoop | null = null;
  await new Promise<void>((resolve) => (heirLoop = heir.start(resolve)));
  const sealedAt = Number(process.hrtime.bigint() - t0) / 1e9;
  await (heirLoop as WorkerLoop | null)?.stop();
  const captures = valueOf<{ captures: { context: { operator: string } }[] }>(
    await callAs(server.backend, 'admin', 'resources.get', { id }),
  ).captures;
  const store = valueOf<{ bad: unknown[] }>(await callAs(server.backend, 'admin', 'store.verify', {}));
  const audit = valueOf<{ ok: boolean }>(await callAs(server.backend, 'admin', 'audit.verify', {}));
  console.log(
    `killed worker: killed ${killedAt.toFixed(1)} s after the request, job sealed by another worker ` +
      `${(sealedAt - killedAt).toFixed(1)} s later (lease ${LEASE_SECONDS} s); captures for it: ` +
      `${captures.length} (${captures.map((c) => c.context.operator).join(', ')}); ` +
      `store.verify bad ${store.bad.length}; audit verify ${audit.ok ? 'intact' : 'BROKEN'}`,
  );
}

let site: { base: string; close: () => Promise<void> };

async function main(): Promise<void> {
  const pg = await startPostgres();
  site = await startSite();
  try {
    const server = await startServer(pg);
    const workers = [];
    for (const name of ['w1', 'w2', 'w3']) workers.push(await registerWorker(server, name));
    // A warm-up page per worker: Chromium's first start and the first seal are not the steady rate.
    await pagesPerMinute(server, workers, 'warm-up', workers.length);
    const one = await pagesPerMinute(server, workers.slice(0, 1), 'one');
    const three = await pagesPerMinute(server, workers, 'three');
    console.log(
      `${PAGES} pages: 1 worker ${one.toFixed(1)} pages/min, 3 workers ${three.toFixed(1)} pages/min ` +
        `(${(three / one).toFixed(2)}×; 2 cores shared by Chromium, the workers and the server)`,
    );
    const [doomed, heir] = workers;
    if (doomed !== undefined && heir !== undefined) await killedWorker(server, doomed, heir);
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await site.close();
    await pg.stop();
    for (const remove of removers) remove();
  }
}

await main();
