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
import { addWorker } from '@core/workers/worker-registry';
import { createWorkerRoutes } from '@core/workers/worker-routes';
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

type Queue = Readonly<{ jobs: CaptureJobs; hub: WorkerHub; bridge: HttpBridge }>;
type Worker = Readonly<{ name: string; backend: Backend; keyId: string; client: WorkerClient }>;

const PASSWORD = 'a long enough password';
let pg: PostgresCluster;
let site: FixtureSite;
let server: Backend;
const removers: (() => void)[] = [];
const closers: (() => Promise<void>)[] = [];

async function startQueue(expireInSeconds: number): Promise<Queue> {
  const jobs = await startCaptureJobs({
    connectionString: await pg.createDatabase(),
    expireInSeconds,
    retryDelaySeconds: 1,
  });
  const hub = createWorkerHub({ ws: server.workspace, jobs });
  const bridge = await startHttpBridge({
    backend: server,
    staticDir: null,
    workerRoutes: createWorkerRoutes(server.workspace, hub),
  });
  closers.push(
    () => bridge.close(),
    () => jobs.stop(),
  );
  return { jobs, hub, bridge };
}

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
    for (const id of ids) jobIds.push(await queue.hub.enqueue(id, { requestedBy: 'admin' }));
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
    const jobId = await queue.hub.enqueue(id, { requestedBy: 'admin' });
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
    const jobId = await queue.hub.enqueue(id, { requestedBy: 'admin' });
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
