import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { createWorkerClient } from '@core/workers/worker-client';
import { startTeamCaptureQueue, type TeamCaptureQueue } from '@core/workers/team-capture-queue';
import { startWorkerLoop } from '@core/workers/worker-loop';
import { addWorker } from '@core/workers/worker-registry';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { startPostgres, type PostgresCluster } from '@tests/helpers/postgres';
import { tempDir } from '@tests/helpers/temp-dir';
import { openssl, startTsaServer, type TsaServer } from '@tests/helpers/tsa-server';

/**
 * A team server with a TSA in its settings stamps its workers' captures with it: the worker captures
 * without one, the server records the capture pending and stamps the manifest hash at once.
 */

let pg: PostgresCluster;
let site: FixtureSite;
let tsa: TsaServer;
let downTsa: TsaServer;
let server: Backend;
let queue: TeamCaptureQueue;
let bridge: HttpBridge;
let worker: Backend;
const removers: (() => void)[] = [];

async function useTsa(t: TsaServer): Promise<void> {
  await server.settings.update({ tsaUrl: t.url, tsaCaPem: t.caCertPem }, 'admin');
}

async function report(url: string): Promise<string> {
  const added = valueOf<{ resource: { id: string } }>(await callAs(server, 'admin', 'reports.add', { url }));
  return added.resource.id;
}

async function captureOf(resourceId: string): Promise<CaptureRecord> {
  const { captures } = valueOf<{ captures: CaptureRecord[] }>(
    await callAs(server, 'admin', 'resources.get', { id: resourceId }),
  );
  const [capture] = captures;
  if (capture === undefined) throw new Error(`no capture of ${resourceId}`);
  return capture;
}

/** One job captured by the worker and recorded by the server (its afterRecord hook included). */
async function captureByWorker(resourceId: string): Promise<void> {
  const key = worker.workspace.workstation;
  const client = createWorkerClient({
    server: bridge.url,
    signer: { keyId: key.keyId, privateKey: key.privateKey, clock: () => new Date() },
  });
  let captured: () => void = () => undefined;
  const recorded = new Promise<void>((resolve) => (captured = resolve));
  const loop = startWorkerLoop({
    backend: worker,
    client,
    concurrency: 1,
    idleMs: 200,
    allowPrivateNetwork: true,
    onCaptured: () => captured(),
  });
  try {
    if ((await queue.hub.enqueue(resourceId, { requestedBy: 'admin' })) === null)
      throw new Error('not queued');
    await recorded;
  } finally {
    await loop.stop();
  }
}

beforeAll(async () => {
  [pg, site, tsa, downTsa] = await Promise.all([
    startPostgres(),
    startFixtureSite(),
    startTsaServer(),
    startTsaServer({ mode: 'http-error' }),
  ]);
  const dir = tempDir('vigil-ts-server-');
  const wdir = tempDir('vigil-ts-worker-');
  removers.push(dir.remove, wdir.remove);
  server = await createBackend({ dataDir: dir.path });
  await server.users.create({ name: 'admin', role: 'admin', password: 'a long enough password' }, 'test');
  await server.settings.update({ allowPrivateNetwork: true }, 'admin');
  queue = await startTeamCaptureQueue(server, { database: await pg.createDatabase() });
  bridge = await startHttpBridge({ backend: server, staticDir: null, workerRoutes: queue.routes });
  worker = await createBackend({
    dataDir: wdir.path,
    workstationName: 'stamper',
    env: { ...process.env, VIGIL_BROWSER: CHROMIUM },
  });
  // The worker's own settings name a TSA too: it must not be the one asked.
  await worker.settings.update({ tsaUrl: downTsa.url }, 'admin');
  const ca = await server.workspace.ca.unlock(undefined, 'admin');
  await addWorker(server.workspace, ca, {
    name: 'stamper',
    publicKeyPem: worker.workspace.workstation.publicKeyPem,
    actor: 'admin',
  });
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await queue?.stop();
  await worker?.close();
  await server?.close();
  await Promise.all([site?.close(), tsa?.close(), downTsa?.close()]);
  await pg?.stop();
  for (const remove of removers) remove();
});

describe('worker captures are time-stamped by the server', () => {
  it("ends granted with the server's TSA token, which openssl verifies against the manifest", async () => {
    await useTsa(tsa);
    const asked = downTsa.requests();
    const id = await report(`${site.http}/`);
    await captureByWorker(id);
    const capture = await captureOf(id);
    expect(capture.timestamp).toMatchObject({ status: 'granted', tsa: tsa.url });
    expect(downTsa.requests()).toBe(asked);
    const path = server.workspace.blobs.pathOf;
    const checked = await openssl([
      'ts',
      '-verify',
      '-data',
      path(capture.manifestSha256),
      '-in',
      path(capture.timestamp.tokenSha256 ?? ''),
      '-CAfile',
      tsa.caCertPath,
    ]);
    expect(checked.stdout + checked.stderr).toContain('Verification: OK');
  }, 120_000);

  it('stays pending while the TSA is down, and a later retry grants it', async () => {
    await useTsa(downTsa);
    const id = await report(`${site.http}/cyrillic`);
    await captureByWorker(id);
    expect((await captureOf(id)).timestamp.status).toBe('pending');
    await useTsa(tsa);
    const retried = await server.captures.retryTimestamps('admin');
    expect(retried.granted).toBeGreaterThanOrEqual(1);
    expect((await captureOf(id)).timestamp).toMatchObject({ status: 'granted', tsa: tsa.url });
  }, 120_000);
});
