import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { keyIdOf, signEs256 } from '@core/custody/signing';
import { startCaptureJobs, type CaptureJobs } from '@core/workers/capture-jobs';
import { createWorkerClient, type WorkerClient } from '@core/workers/worker-client';
import { createWorkerHub, type WorkerHub } from '@core/workers/worker-hub';
import { startWorkerLoop, type WorkerLoop, type WorkerLoopOptions } from '@core/workers/worker-loop';
import { workerQueueDispatcher } from '@core/workers/team-capture-queue';
import { addWorker } from '@core/workers/worker-registry';
import { createWorkerRoutes } from '@core/workers/worker-routes';
import type { QueueItem, QueueStatus } from '@shared/contract/methods/capture';
import type { AuditRow } from '@shared/contract/methods/custody';
import type { SubmitCapture } from '@shared/contract/methods/workers';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { isAppError } from '@shared/errors/app-error';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { startPostgres, type PostgresCluster } from '@tests/helpers/postgres';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * A team server (backend + HTTP bridge + pg-boss queue on a real PostgreSQL) and capture workers with
 * their own data dirs and real Chromium, talking to it only over its /workers/ routes.
 */

type Queue = Readonly<{ database: string; jobs: CaptureJobs; hub: WorkerHub; bridge: HttpBridge }>;
type Worker = Readonly<{ name: string; backend: Backend; keyId: string; client: WorkerClient }>;

const PASSWORD = 'a long enough password';
let pg: PostgresCluster;
let site: FixtureSite;
let server: Backend;
const removers: (() => void)[] = [];
const closers: (() => Promise<void>)[] = [];

/** A pg-boss queue on a new database; the server's `capture.enqueue` and `queue.*` go to it, as on `vigil server`. */
async function startQueue(expireInSeconds: number, retryDelaySeconds = 1): Promise<Queue> {
  const database = await pg.createDatabase();
  const jobs = await startCaptureJobs({ connectionString: database, expireInSeconds, retryDelaySeconds });
  const hub = createWorkerHub({ ws: server.workspace, jobs });
  server.dispatchCapturesTo(workerQueueDispatcher(hub));
  const bridge = await startHttpBridge({
    backend: server,
    staticDir: null,
    workerRoutes: createWorkerRoutes(server.workspace, hub),
  });
  closers.push(
    () => bridge.close(),
    () => jobs.stop(),
  );
  return { database, jobs, hub, bridge };
}

async function enqueue(queue: Queue, resourceId: string): Promise<string> {
  const jobId = await queue.hub.enqueue(resourceId, { requestedBy: 'admin' });
  if (jobId === null) throw new Error(`${resourceId} was not queued`);
  return jobId;
}

async function requestCaptures(...resourceIds: string[]): Promise<number> {
  return valueOf<{ queued: number }>(await callAs(server, 'admin', 'capture.enqueue', { resourceIds }))
    .queued;
}

async function queueStatus(): Promise<QueueStatus> {
  return valueOf<QueueStatus>(await callAs(server, 'admin', 'queue.status', {}));
}

const itemOf = (status: QueueStatus, resourceId: string): QueueItem | undefined =>
  status.items.find((i) => i.resourceId === resourceId);

/** A worker's data dir (its own workstation key), registered with the unit CA of the server. */
async function startWorker(name: string, queue: Queue): Promise<Worker> {
  const dir = tempDir(`vigil-worker-${name}-`);
  removers.push(dir.remove);
  const backend = await createBackend({
    dataDir: dir.path,
    workstationName: name,
    env: { ...process.env, VIGIL_BROWSER: CHROMIUM },
  });
  closers.push(() => backend.close());
  const key = backend.workspace.workstation;
  const ca = await server.workspace.ca.unlock(undefined, 'admin');
  await addWorker(server.workspace, ca, { name, publicKeyPem: key.publicKeyPem, actor: 'admin' });
  const client = createWorkerClient({
    server: queue.bridge.url,
    signer: { keyId: key.keyId, privateKey: key.privateKey, clock: () => new Date() },
  });
  return { name, backend, keyId: key.keyId, client };
}

function loopOf(worker: Worker, extra: Partial<WorkerLoopOptions> = {}): WorkerLoop {
  const loop = startWorkerLoop({
    backend: worker.backend,
    client: worker.client,
    concurrency: 1,
    idleMs: 200,
    allowPrivateNetwork: true,
    ...extra,
  });
  closers.push(() => loop.stop());
  return loop;
}

/** Resolves once `n` captures were recorded by the server (an event of each worker loop). */
function capturesRecorded(n: number): { onCaptured: () => void; all: Promise<void> } {
  let seen = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  return {
    onCaptured: () => {
      seen += 1;
      if (seen === n) done();
    },
    all,
  };
}

async function report(url: string): Promise<string> {
  const added = valueOf<{ resource: { id: string } }>(await callAs(server, 'admin', 'reports.add', { url }));
  return added.resource.id;
}

async function capturesOf(resourceId: string): Promise<CaptureRecord[]> {
  return valueOf<{ captures: CaptureRecord[] }>(
    await callAs(server, 'admin', 'resources.get', { id: resourceId }),
  ).captures;
}

async function audit(action: string): Promise<AuditRow[]> {
  return valueOf<{ rows: AuditRow[] }>(await callAs(server, 'admin', 'audit.list', { action, limit: 1000 }))
    .rows;
}

beforeAll(async () => {
  pg = await startPostgres();
  site = await startFixtureSite();
  const dir = tempDir('vigil-team-server-');
  removers.push(dir.remove);
  server = await createBackend({ dataDir: dir.path });
  await server.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'test');
  // The fixture site is on loopback: the unit's reports of it are let through, as its workers' captures are.
  await server.settings.update({ allowPrivateNetwork: true }, 'admin');
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await server?.close();
  await site?.close();
  await pg?.stop();
  for (const remove of removers) remove();
});

describe('capture workers on the PostgreSQL queue', () => {
  it('two workers capture the queued jobs; each capture names its worker and its key', async () => {
    const queue = await startQueue(60);
    const a = await startWorker('alpha', queue);
    const b = await startWorker('beta', queue);
    const ids = [await report(`${site.http}/`), await report(`${site.http}/cyrillic`)];
    ids.push(await report(`${site.http}/status/404`));
    const jobIds = [];
    for (const id of ids) jobIds.push(await enqueue(queue, id));
    const recorded = capturesRecorded(3);
    loopOf(a, { onCaptured: recorded.onCaptured });
    loopOf(b, { onCaptured: recorded.onCaptured });
    await recorded.all;

    const keys = new Map([
      [a.keyId, 'worker:alpha'],
      [b.keyId, 'worker:beta'],
    ]);
    for (const id of ids) {
      const [capture, ...more] = await capturesOf(id);
      expect(more).toHaveLength(0);
      expect(capture?.context.operator).toBe(keys.get(capture?.signature.keyId ?? ''));
    }
    for (const jobId of jobIds) expect(await queue.jobs.stateOf(jobId)).toBe('completed');
    const sealed = await audit('capture.sealed');
    expect(sealed.filter((r) => r.actor.startsWith('worker:'))).toHaveLength(3);
    for (const row of sealed.filter((r) => r.actor.startsWith('worker:')))
      expect(keys.get((row.details as { workerKeyId: string }).workerKeyId)).toBe(row.actor);
    expect(valueOf<{ ok: boolean }>(await callAs(server, 'admin', 'audit.verify', {}))).toMatchObject({
      ok: true,
    });
  });

  it('refuses forged uploads and unknown keys, records nothing of them, and the retried job once', async () => {
    const queue = await startQueue(60);
    const gamma = await startWorker('gamma', queue);
    const outsider = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const stranger = createWorkerClient({
      server: queue.bridge.url,
      signer: {
        keyId: keyIdOf(outsider.publicKey),
        privateKey: outsider.privateKey,
        clock: () => new Date(),
      },
    });
    await expect(stranger.claim()).rejects.toMatchObject({ code: 'auth.bad-token' });

    const refusals: string[] = [];
    const forgeries: ((body: SubmitCapture) => Promise<SubmitCapture>)[] = [
      // Another key's signature over the same manifest: not this worker's.
      async (body) => ({
        ...body,
        record: {
          ...body.record,
          signature: {
            alg: 'ES256',
            keyId: keyIdOf(outsider.publicKey),
            value: signEs256(
              outsider.privateKey,
              await gamma.backend.workspace.blobs.read(body.record.manifestSha256),
            ).toString('base64'),
          },
        },
      }),
      // A changed artifact: the screenshot replaced by another uploaded blob.
      (body) => {
        const text = body.record.artifacts.find((x) => x.kind === 'text');
        if (text === undefined) throw new Error('no text artifact');
        const artifacts = body.record.artifacts.map((x) =>
          x.kind === 'screenshot' ? { ...x, sha256: text.sha256, bytes: text.bytes } : x,
        );
        return Promise.resolve({ ...body, record: { ...body.record, artifacts } });
      },
    ];
    const forging: WorkerClient = {
      ...gamma.client,
      submit: async (body) => {
        const forge = forgeries.shift();
        if (forge === undefined) return gamma.client.submit(body);
        const shot = body.record.artifacts.find((x) => x.kind === 'screenshot');
        // Bytes that are not the blob they are uploaded as are refused on arrival.
        await gamma.client
          .uploadBlob(shot?.sha256 ?? '', () => Readable.from([Buffer.from('not the screenshot')]))
          .catch((error: unknown) => refusals.push(isAppError(error) ? error.code : String(error)));
        try {
          return await gamma.client.submit(await forge(body));
        } catch (error) {
          refusals.push(isAppError(error) ? error.code : String(error));
          throw error;
        }
      },
    };
    const id = await report(`${site.http}/?forged`);
    const jobId = await enqueue(queue, id);
    const recorded = capturesRecorded(1);
    loopOf({ ...gamma, client: forging }, { onCaptured: recorded.onCaptured });
    await recorded.all;

    expect(refusals).toEqual(Array(4).fill('custody.signature-invalid'));
    const captures = await capturesOf(id);
    expect(captures).toHaveLength(1);
    expect(captures[0]?.signature.keyId).toBe(gamma.keyId);
    expect(await queue.jobs.stateOf(jobId)).toBe('completed');
    expect((await audit('capture.job-failed')).filter((r) => r.subject === `resource:${id}`)).toHaveLength(2);
    const store = valueOf<{ bad: unknown[] }>(await callAs(server, 'admin', 'store.verify', {}));
    expect(store.bad).toEqual([]);
  });

  it('a worker killed mid-capture: its job expires and another worker takes it; nothing half-recorded', async () => {
    const queue = await startQueue(12);
    const doomed = await startWorker('delta', queue);
    const heir = await startWorker('epsilon', queue);
    const id = await report(`${site.http}/?killed`);
    const jobId = await enqueue(queue, id);
    // Killed at its first capture stage: it never reports the job failed, as a dead worker would not.
    await new Promise<void>((resolve) => {
      let killing: Promise<void> | null = null;
      const loop = loopOf(doomed, {
        onStage: () => {
          killing ??= loop.abandon().then(resolve);
        },
      });
    });
    expect(await queue.jobs.stateOf(jobId)).toBe('active');
    const recorded = capturesRecorded(1);
    loopOf(heir, { onCaptured: recorded.onCaptured });
    await recorded.all;

    const captures = await capturesOf(id);
    expect(captures).toHaveLength(1);
    expect(captures[0]?.signature.keyId).toBe(heir.keyId);
    expect(captures[0]?.context.operator).toBe('worker:epsilon');
    const claims = (await audit('capture.claimed')).filter((r) => r.subject === `resource:${id}`);
    expect(claims.sort((x, y) => x.seq - y.seq).map((r) => r.actor)).toEqual([
      'worker:delta',
      'worker:epsilon',
    ]);
    expect(await queue.jobs.stateOf(jobId)).toBe('completed');
  });
});

describe('the queue as users see it on a team server', () => {
  it('queue.status lists the pg-boss jobs: waiting, running with its worker, the last error; a duplicate is merged', async () => {
    // A long retry delay keeps a failed attempt waiting while it is looked at.
    const queue = await startQueue(60, 600);
    const zeta = await startWorker('zeta', queue);
    const first = await report(`${site.http}/?status-first`);
    const second = await report(`${site.http}/?status-second`);
    expect(await requestCaptures(first, second)).toBe(2);
    expect(await requestCaptures(first)).toBe(0);
    // Requests at once for a new resource: one job (the queue policy's unique index decides).
    const third = await report(`${site.http}/?status-third`);
    const data = {
      resourceId: third,
      url: `${site.http}/?status-third`,
      profile: null,
      requestedBy: 'admin',
    };
    const racing = await Promise.all(Array.from({ length: 4 }, () => queue.jobs.enqueue(data)));
    expect(racing.filter((id) => id !== null)).toHaveLength(1);

    const { job } = await zeta.client.claim();
    expect(job?.resourceId).toBe(first);
    // Held by a worker: still not queued a second time.
    expect(await requestCaptures(first, second)).toBe(0);
    const status = await queueStatus();
    expect(status).toMatchObject({ waiting: 2, running: 1, concurrency: 1, captureWorkers: true });
    // Parallel captures are each worker's own --concurrency: the server refuses to take the setting.
    const refused = await callAs(server, 'admin', 'queue.setConcurrency', { concurrency: 3 });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'input.invalid', message: expect.stringMatching(/vigil worker --concurrency N/) },
    });
    expect(itemOf(status, first)).toMatchObject({ status: 'running', worker: 'zeta', retries: 0 });
    expect(itemOf(status, second)).toMatchObject({ status: 'waiting', stage: 'queued', retries: 0 });
    expect(status.items).toHaveLength(3);
    expect((await audit('capture.queued')).filter((r) => r.subject === `resource:${first}`)).toHaveLength(1);

    // A restarted server reads who holds the job from pg-boss.
    const restarted = await startCaptureJobs({ connectionString: queue.database });
    closers.push(() => restarted.stop());
    expect(await restarted.holderOf(job?.jobId ?? '')).toBe('zeta');

    await zeta.client.fail({ jobId: job?.jobId ?? '', error: 'the page never answered' });
    expect(itemOf(await queueStatus(), first)).toMatchObject({
      status: 'waiting',
      error: { code: 'capture.worker-failed', message: 'the page never answered' },
    });
    expect(await restarted.holderOf(job?.jobId ?? '')).toBeNull();
  });

  it('queue.cancel cancels a waiting job with a custody row; queue.retry queues it again', async () => {
    const queue = await startQueue(60);
    const eta = await startWorker('eta', queue);
    const id = await report(`${site.http}/?cancelled`);
    const jobId = await enqueue(queue, id);
    expect(valueOf(await callAs(server, 'admin', 'queue.cancel', { resourceId: id }))).toBeNull();

    expect(await queue.jobs.stateOf(jobId)).toBe('cancelled');
    expect(itemOf(await queueStatus(), id)).toMatchObject({ status: 'cancelled', stage: 'done' });
    expect((await eta.client.claim()).job).toBeNull();
    const [row, ...more] = (await audit('capture.cancelled')).filter((r) => r.subject === `resource:${id}`);
    expect(more).toHaveLength(0);
    expect(row).toMatchObject({ actor: 'admin', details: { jobId, state: 'created', queue: 'workers' } });

    expect(valueOf(await callAs(server, 'admin', 'queue.retry', { resourceId: id }))).toBeNull();
    expect(itemOf(await queueStatus(), id)).toMatchObject({ status: 'waiting' });
    const again = (await audit('capture.queued')).filter((r) => r.subject === `resource:${id}`);
    expect(again.map((r) => (r.details as { retryOf?: string }).retryOf)).toContain(jobId);
    // Pending again: nothing to retry.
    expect((await callAs(server, 'admin', 'queue.retry', { resourceId: id })).ok).toBe(false);
  });
});
