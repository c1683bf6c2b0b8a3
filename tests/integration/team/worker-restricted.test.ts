import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { createHashListService } from '@core/media/hash-lists';
import { raiseSuspectedCsam, suspectedCsamOf } from '@core/review/suspected-csam-flag';
import { createKeyedSettings } from '@core/settings/keyed-settings';
import { createWorkerClient, type WorkerClient } from '@core/workers/worker-client';
import { startTeamCaptureQueue, type TeamCaptureQueue } from '@core/workers/team-capture-queue';
import { jobMediaTerms, startWorkerLoop } from '@core/workers/worker-loop';
import { addWorker, certifiedWorker } from '@core/workers/worker-registry';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { ResourceId } from '@shared/domain/ids';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vividPng } from '@tests/helpers/generated-images';
import { mediaUnder } from '@tests/helpers/media-scan';
import { startPostgres, type PostgresCluster } from '@tests/helpers/postgres';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * A worker captures under the team server's do-not-possess terms, not its own data dir's: the
 * server's flag makes the capture restricted, the server's known-hash lists and assessments are
 * asked medium by medium, and neither the server's store nor the worker's ever holds a withheld
 * medium. Generated images only.
 */

const FLAGGED = vividPng(150, 90, [255, 0, 255], [0, 255, 0]);
const LISTED = vividPng(120, 80, [0, 255, 255], [255, 0, 255]);
const ASSESSED = vividPng(90, 60, [0, 255, 0], [255, 255, 0]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const PAGES: Record<string, string> = {
  '/flagged': '<img src="/flagged.png" width="150" height="90"><p>flagged page words</p>',
  '/listed':
    '<img src="/listed.png" width="120" height="80"><img src="/assessed.png" width="90" height="60">',
  '/late': '<p>flagged while a worker held it</p>',
};
const IMAGES: Record<string, Buffer> = {
  '/flagged.png': FLAGGED,
  '/listed.png': LISTED,
  '/assessed.png': ASSESSED,
};

function startSite(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const page = PAGES[p];
    const image = IMAGES[p];
    if (page !== undefined)
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html><head><title>${p}</title></head><body>${page}</body></html>`);
    else if (image !== undefined) res.writeHead(200, { 'Content-Type': 'image/png' }).end(image);
    else res.writeHead(404).end();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

let pg: PostgresCluster;
let site: { url: string; close: () => Promise<void> };
let server: Backend;
let queue: TeamCaptureQueue;
let bridge: HttpBridge;
let worker: Backend;
let client: WorkerClient;
const serverDir = tempDir('vigil-restricted-server-');
const workerDir = tempDir('vigil-restricted-worker-');

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

/** Queued through the backend's dispatcher (as the UI queues it), captured by one worker slot. */
async function captureByWorker(resourceId: string): Promise<void> {
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
    const queued = await callAs(server, 'admin', 'capture.enqueue', { resourceIds: [resourceId] });
    expect(queued.ok).toBe(true);
    await recorded;
  } finally {
    await loop.stop();
  }
}

/** Both stores: the server's data dir and the worker's. */
async function mediaHeld(media: Readonly<Record<string, Buffer>>): Promise<string[]> {
  const onServer = (await mediaUnder(serverDir.path, media)).map((m) => `server: ${m}`);
  const onWorker = (await mediaUnder(workerDir.path, media)).map((m) => `worker: ${m}`);
  return [...onServer, ...onWorker];
}

beforeAll(async () => {
  [pg, site] = await Promise.all([startPostgres(), startSite()]);
  server = await createBackend({ dataDir: serverDir.path });
  await server.users.create({ name: 'admin', role: 'admin', password: 'a long enough password' }, 'test');
  await server.users.create({ name: 'rita', role: 'reviewer', password: 'a long enough password' }, 'admin');
  await server.settings.update({ allowPrivateNetwork: true }, 'admin');
  queue = await startTeamCaptureQueue(server, { database: await pg.createDatabase() });
  bridge = await startHttpBridge({ backend: server, staticDir: null, workerRoutes: queue.routes });
  worker = await createBackend({
    dataDir: workerDir.path,
    workstationName: 'restricted-worker',
    env: { ...process.env, VIGIL_BROWSER: CHROMIUM },
  });
  const ca = await server.workspace.ca.unlock(undefined, 'admin');
  await addWorker(server.workspace, ca, {
    name: 'restricted-worker',
    publicKeyPem: worker.workspace.workstation.publicKeyPem,
    actor: 'admin',
  });
  const key = worker.workspace.workstation;
  client = createWorkerClient({
    server: bridge.url,
    signer: { keyId: key.keyId, privateKey: key.privateKey, clock: () => new Date() },
  });
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await queue?.stop();
  await worker?.close();
  await server?.close();
  await site?.close();
  await pg?.stop();
  serverDir.remove();
  workerDir.remove();
});

describe("a worker applies the server's known-hash lists", () => {
  let id: string;
  let record: CaptureRecord;

  beforeAll(async () => {
    const lists = createHashListService(server.workspace);
    await lists.importText({
      text: `sha256,label\n${sha256(LISTED)},csam.known\n`,
      fileName: 'list.csv',
      name: 'unit-list',
      actor: 'admin',
      role: 'admin',
    });
    await lists.assess({ sha256: sha256(ASSESSED), label: 'csam.reviewed', actor: 'rita', role: 'reviewer' });
    id = await report(`${site.url}/listed`);
    await captureByWorker(id);
    record = await captureOf(id);
  }, 120_000);

  it('withholds the listed medium and every other one, and flags the resource on the server', async () => {
    expect(record.restricted).toBe(true);
    expect(record.suspectedCsam?.source).toBe('hashlist');
    const listed = record.withheld?.find((w) => w.sha256 === sha256(LISTED));
    expect(listed).toMatchObject({ reason: 'known-hash', match: { list: 'unit-list', label: 'csam.known' } });
    const assessed = record.withheld?.find((w) => w.sha256 === sha256(ASSESSED));
    expect(assessed?.assessment).toMatchObject({ label: 'csam.reviewed', assessedBy: 'rita', by: 'sha256' });
    const flag = await server.workspace.db.read((c) => suspectedCsamOf(c, id));
    expect(flag).toMatchObject({ flagged: true, last: { source: 'hashlist' } });
  });

  it('leaves neither store holding either image', async () => {
    expect(await mediaHeld({ listed: LISTED, assessed: ASSESSED })).toEqual([]);
  });
});

describe('a worker captures a flagged resource restricted, under the server’s screenshot policy', () => {
  let id: string;
  let record: CaptureRecord;

  beforeAll(async () => {
    await createKeyedSettings(server.workspace).set('restricted.screenshots', 'none', 'admin');
    id = await report(`${site.url}/flagged`);
    await raiseSuspectedCsam(server.workspace, {
      resourceId: id,
      reason: 'reported as CSAM',
      actor: 'admin',
    });
    await captureByWorker(id);
    record = await captureOf(id);
  }, 120_000);

  it('is restricted under the server’s flag, with no screenshot', async () => {
    expect(record.restricted).toBe(true);
    expect(record.suspectedCsam).toEqual({ source: 'investigator', reason: 'reported as CSAM' });
    expect(record.withheld?.map((w) => w.sha256)).toContain(sha256(FLAGGED));
    expect(record.restriction?.screenshots).toBe('none');
    expect(record.artifacts.filter((a) => a.kind === 'screenshot')).toEqual([]);
    const claimed = await server.workspace.db.read((c) =>
      c.all<{ details: string }>(
        "SELECT details FROM audit WHERE action = 'capture.claimed' AND subject = ?",
        [`resource:${id}`],
      ),
    );
    expect(claimed.map((r) => (JSON.parse(r.details) as { restricted: boolean }).restricted)).toEqual([true]);
  });

  it('leaves neither store holding the image', async () => {
    expect(await mediaHeld({ flagged: FLAGGED })).toEqual([]);
  });
});

describe('a resource flagged while a worker holds it as an ordinary capture', () => {
  it('refuses the worker’s uploads, so that nothing of that capture is stored', async () => {
    await createKeyedSettings(server.workspace).set('restricted.screenshots', 'placeholders', 'admin');
    const id = await report(`${site.url}/late`);
    await callAs(server, 'admin', 'capture.enqueue', { resourceIds: [id] });
    const row = await certifiedWorker(server.workspace, worker.workspace.workstation.keyId);
    if (row === null) throw new Error('worker not registered');
    const job = await queue.hub.claim(row);
    expect(job?.media.suspectedCsam).toBeNull();
    await raiseSuspectedCsam(server.workspace, { resourceId: id, reason: 'later report', actor: 'admin' });
    const bytes = Buffer.from('bytes of a capture taken before the flag');
    await expect(client.uploadBlob(sha256(bytes), () => Readable.from([bytes]))).rejects.toThrow(
      /flagged suspected_csam after worker restricted-worker claimed it/,
    );
    expect(await server.workspace.blobs.has(sha256(bytes))).toBe(false);
    await client.fail({ jobId: job?.jobId ?? '', error: 'refused' });
  });
});

describe('a worker that cannot ask the server about a medium', () => {
  it('fails the capture and keeps none of its media', async () => {
    const unreachable = createWorkerClient({
      server: 'http://127.0.0.1:9',
      signer: { keyId: 'k', privateKey: worker.workspace.workstation.privateKey, clock: () => new Date() },
    });
    await worker.users.create({ name: 'admin', role: 'admin', password: 'a long enough password' }, 'test');
    await worker.settings.update({ allowPrivateNetwork: true }, 'admin');
    const resource = valueOf<{ resource: { id: string } }>(
      await callAs(worker, 'admin', 'reports.add', { url: `${site.url}/listed` }),
    ).resource.id;
    const terms = jobMediaTerms(
      {
        jobId: 'j',
        resourceId: ResourceId.parse(resource),
        url: `${site.url}/listed`,
        profile: null,
        requestedBy: 'admin',
        expireInSeconds: 60,
        media: { suspectedCsam: null, screenshots: 'placeholders', matchMedia: true },
      },
      unreachable,
    );
    const outcome = await worker.captures
      .captureResource(resource, {
        operator: 'w',
        allowPrivateNetwork: true,
        tsaUrl: null,
        mediaTerms: terms,
      })
      .then(
        (r) => r.outcome,
        () => 'refused',
      );
    expect(outcome).not.toBe('complete');
    expect(await mediaUnder(workerDir.path, { listed: LISTED, assessed: ASSESSED })).toEqual([]);
  }, 120_000);
});
