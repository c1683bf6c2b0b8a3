import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ClaimedJob } from '@shared/contract/methods/workers';
import { AppError, errorMessage } from '@shared/errors/app-error';
import { createBackend, type Backend } from '@core/backend';
import { createWorkerClient } from '@core/workers/worker-client';
import { startWorkerLoop } from '@core/workers/worker-loop';
import { addWorker, registeredWorkers } from '@core/workers/worker-registry';
import { caPassphraseOf, CA_PASSPHRASE_OPTIONS } from '../ca-passphrase';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { osActor } from './foundation-commands';
import { databaseUrl } from './server-commands';

/**
 * `vigil worker …`: a capture worker of a team server, and its registration. A worker's data dir
 * holds its own workstation key (`vigil worker key` prints the public half); an administrator
 * registers that key on the server's data (`vigil worker add`), the unit CA certifies it, and from
 * then on every request and every sealed capture of the worker is signed by it.
 */

const MAX_CONCURRENCY = 8;

function concurrencyOf(ctx: CliContext): number {
  const text = str(ctx, 'concurrency') ?? '1';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY)
    throw new AppError('input.invalid', `--concurrency must be 1-${MAX_CONCURRENCY}, not "${text}"`);
  return n;
}

function serverUrl(ctx: CliContext): string {
  const text = str(ctx, 'server');
  if (text === undefined) throw new AppError('input.invalid', '--server is required (https://HOST:PORT)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError('input.invalid', `--server must be a URL (https://HOST:PORT), not "${text}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new AppError('input.invalid', '--server must be an https:// URL');
  return url.toString();
}

async function readNamedFile(ctx: CliContext, option: string, what: string): Promise<string | undefined> {
  const file = str(ctx, option);
  if (file === undefined) return undefined;
  try {
    return await readFile(resolve(ctx.io.cwd, file), 'utf8');
  } catch (error) {
    throw new AppError(
      'input.invalid',
      `cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}`,
    );
  }
}

/** A worker's stderr line for each error, once until the next different one (a server that is down). */
function errorReporter(ctx: CliContext): (job: ClaimedJob | null, error: unknown) => void {
  let last = '';
  return (job, error) => {
    const line = `error ${job === null ? 'claiming a job' : `capturing ${job.url} (job ${job.jobId})`}: ${errorMessage(error)}`;
    if (line === last) return;
    last = line;
    ctx.io.stderr(`${line.replace(/\s+/g, ' ')}\n`);
  };
}

const run: CliCommand = {
  path: ['worker'],
  usage: 'worker --server URL [--concurrency N] [--ca FILE] [--allow-private-network]',
  summary: "a capture worker: claims capture jobs from a team server, captures with this machine's Chromium",
  options: {
    server: { type: 'string' },
    concurrency: { type: 'string' },
    ca: { type: 'string' },
    // Only for workers that capture on the unit's own network (and the tests' loopback pages).
    'allow-private-network': { type: 'boolean' },
  },
  async run(ctx) {
    const server = serverUrl(ctx);
    const concurrency = concurrencyOf(ctx);
    const caPem = await readNamedFile(ctx, 'ca', 'CA certificate');
    const backend = await ctx.backend();
    const key = backend.workspace.workstation;
    const client = createWorkerClient({
      server,
      signer: { keyId: key.keyId, privateKey: key.privateKey, clock: () => new Date() },
      ...(caPem !== undefined ? { caPem } : {}),
    });
    const loop = startWorkerLoop({
      backend,
      client,
      concurrency,
      ...(ctx.values['allow-private-network'] === true ? { allowPrivateNetwork: true } : {}),
      onCaptured: (job, captureId) =>
        ctx.io.stdout(`captured ${job.url} as capture ${captureId} (job ${job.jobId})\n`),
      onError: errorReporter(ctx),
    });
    ctx.io.stdout(`Vigil worker with key ${key.keyId} on ${server}, ${concurrency} slot(s)\n`);
    await Promise.race([ctx.io.waitForStop(), loop.done]);
    // The captures in hand are finished and uploaded; a second Ctrl-C ends the process at once.
    ctx.io.stdout('stopping: finishing the captures in hand\n');
    await loop.stop();
    ctx.io.stdout(`worker stopped after ${loop.captured()} capture(s)\n`);
    return EXIT.ok;
  },
};

const key: CliCommand = {
  path: ['worker', 'key'],
  usage: 'worker key [--json]',
  summary: "this worker's public key (creates the data dir and its key first); give it to `vigil worker add`",
  async run(ctx) {
    const { workstation } = (await ctx.backend()).workspace;
    print(
      ctx,
      { keyId: workstation.keyId, publicKeyPem: workstation.publicKeyPem },
      workstation.publicKeyPem,
    );
    return EXIT.ok;
  },
};

/** The team server's backend, opened on its data dir and database, for an administrator's act. */
async function serverBackend(ctx: CliContext): Promise<Backend> {
  if (ctx.as !== null)
    throw new AppError(
      'input.invalid',
      "worker add and list act as the server machine's OS account; drop --as",
    );
  return createBackend({ dataDir: ctx.dataDir, database: databaseUrl(ctx), env: ctx.io.env });
}

const add: CliCommand = {
  path: ['worker', 'add'],
  usage: 'worker add NAME --public-key FILE --database postgres://… [--ca-passphrase-file F] [--json]',
  summary: "registers a capture worker's key on the team server (the unit CA certifies it; a custody event)",
  options: { 'public-key': { type: 'string' }, database: { type: 'string' }, ...CA_PASSPHRASE_OPTIONS },
  async run(ctx) {
    const [name, ...extra] = ctx.positionals;
    if (name === undefined || extra.length > 0)
      throw new AppError('input.invalid', 'usage: vigil worker add NAME --public-key FILE --database URL');
    const publicKeyPem = await readNamedFile(ctx, 'public-key', 'public key');
    if (publicKeyPem === undefined) throw new AppError('input.invalid', '--public-key FILE is required');
    const passphrase = await caPassphraseOf(ctx);
    const backend = await serverBackend(ctx);
    try {
      const actor = osActor();
      const ca = await backend.workspace.ca.unlock(passphrase, actor);
      const info = await addWorker(backend.workspace, ca, { name, publicKeyPem, actor });
      print(
        ctx,
        info,
        `worker ${info.name} registered (key ${info.keyId}, certificate ${info.certificateSha256})`,
      );
    } finally {
      await backend.close();
    }
    return EXIT.ok;
  },
};

const list: CliCommand = {
  path: ['worker', 'list'],
  usage: 'worker list --database postgres://… [--json]',
  summary: 'the capture workers registered on the team server',
  options: { database: { type: 'string' } },
  async run(ctx) {
    const backend = await serverBackend(ctx);
    try {
      const workers = await registeredWorkers(backend.workspace);
      const lines = workers.map((w) => `${w.name}  key ${w.keyId}  added ${w.addedAt} by ${w.addedBy}`);
      print(ctx, { workers }, workers.length === 0 ? 'no workers registered' : lines.join('\n'));
    } finally {
      await backend.close();
    }
    return EXIT.ok;
  },
};

export const WORKER_COMMANDS: CliCommand[] = [run, key, add, list];
