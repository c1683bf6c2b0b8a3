import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserName } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { createBackend, type Backend } from '@core/backend';
import { assertTlsOffLoopback, type BridgeTls } from '@core/bridge/bridge-listen';
import { startHttpBridge } from '@core/bridge/http-bridge';
import { createMigrationRoutes } from '@core/migrate-server/migration-routes';
import { openBlobStoreAt } from '@core/store/blob-location';
import { startTeamCaptureQueue } from '@core/workers/team-capture-queue';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';

/** Pending time-stamps are retried for at most this long before the server starts listening. */
const STARTUP_RETRY_BUDGET_MS = 2000;
const DEFAULT_LISTEN = '127.0.0.1:8443';

export type ListenAddress = Readonly<{ host: string; port: number }>;

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every address). */
export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535)
    throw new AppError('input.invalid', `--listen must be HOST:PORT (e.g. 0.0.0.0:8443), not "${text}"`);
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

const stringOption = (ctx: CliContext, name: string): string | undefined => {
  const value = ctx.values[name];
  return typeof value === 'string' ? value : undefined;
};

function required(ctx: CliContext, name: string, example: string): string {
  const value = stringOption(ctx, name);
  if (value === undefined || value.trim() === '')
    throw new AppError('input.invalid', `--${name} is required (${example})`);
  return value;
}

async function readTls(ctx: CliContext): Promise<BridgeTls | undefined> {
  const certFile = stringOption(ctx, 'tls-cert');
  const keyFile = stringOption(ctx, 'tls-key');
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined)
    throw new AppError('input.invalid', '--tls-cert and --tls-key go together');
  const read = (file: string, what: string) =>
    readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new AppError(
        'input.invalid',
        `cannot read the TLS ${what} ${file}: ${error.code ?? error.message}`,
      );
    });
  return { cert: await read(certFile, 'certificate'), key: await read(keyFile, 'key') };
}

/** The database URL without its password, for the terminal and logs. */
export function displayDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = '';
    return parsed.toString();
  } catch {
    return '(unreadable URL)';
  }
}

/** A whole number of seconds from `--NAME`, or undefined when not given. */
function secondsOption(ctx: CliContext, name: string): number | undefined {
  const text = stringOption(ctx, name);
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
    throw new AppError(
      'input.invalid',
      `--${name} must be a whole number of seconds (1-86400), not "${text}"`,
    );
  return seconds;
}

export function databaseUrl(ctx: CliContext): string {
  const url = required(ctx, 'database', 'postgres://USER@HOST:5432/DB');
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new AppError('input.invalid', '--database must be a postgres:// URL');
  return url;
}

/** First start only: the administrator named by --setup-admin, with the password on stdin. */
async function setupAdmin(ctx: CliContext, backend: Backend): Promise<void> {
  const name = stringOption(ctx, 'setup-admin');
  if (name === undefined) return;
  if ((await backend.users.count()) > 0) {
    ctx.io.stderr(`note: users exist already; --setup-admin ${name} changes nothing\n`);
    return;
  }
  const parsed = UserName.safeParse(name);
  if (!parsed.success)
    throw new AppError('user.bad-name', `user name: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const password = await ctx.password(`password for the new administrator ${name}: `);
  await backend.users.create({ name: parsed.data, role: 'admin', password }, 'setup', { onlyIfNone: true });
  ctx.io.stdout(`administrator ${name} created\n`);
}

const server: CliCommand = {
  path: ['server'],
  usage:
    'server --database postgres://… --blobs s3://BUCKET[/PREFIX]?endpoint=…|DIR [--listen HOST:PORT] ' +
    '[--tls-cert F --tls-key F] [--name HOST]… [--setup-admin NAME --password-stdin] ' +
    '[--job-lease SECONDS] [--job-retry-delay SECONDS]',
  summary: 'a team server: the backend on PostgreSQL and an object store, HTTPS with password sign-in',
  options: {
    database: { type: 'string' },
    blobs: { type: 'string' },
    listen: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    name: { type: 'string', multiple: true },
    'setup-admin': { type: 'string' },
    // How long a capture worker holds a job before another takes it over, and the first retry's wait.
    'job-lease': { type: 'string' },
    'job-retry-delay': { type: 'string' },
  },
  stdinPassword: 'other',
  async run(ctx) {
    const listen = parseListen(stringOption(ctx, 'listen') ?? DEFAULT_LISTEN);
    const tls = await readTls(ctx);
    // Refused before anything is opened: passwords and session keys never cross a network in the clear.
    assertTlsOffLoopback(listen.host, tls !== undefined);
    const database = databaseUrl(ctx);
    const expireInSeconds = secondsOption(ctx, 'job-lease');
    const retryDelaySeconds = secondsOption(ctx, 'job-retry-delay');
    const blobs = await openBlobStoreAt(required(ctx, 'blobs', 's3://BUCKET or a shared folder'), {
      cacheDir: join(ctx.dataDir, 'cache', 'blobs'),
      env: ctx.io.env,
    });
    const backend = await createBackend({ dataDir: ctx.dataDir, database, blobs, env: ctx.io.env });
    const stops: (() => Promise<void>)[] = [];
    try {
      await backend.time.startupRetry(STARTUP_RETRY_BUDGET_MS);
      await setupAdmin(ctx, backend);
      // Capture requests go to the workers' queue in PostgreSQL from here on, not to this process.
      const captureQueue = await startTeamCaptureQueue(backend, {
        database,
        ...(expireInSeconds !== undefined ? { expireInSeconds } : {}),
        ...(retryDelaySeconds !== undefined ? { retryDelaySeconds } : {}),
      });
      stops.push(() => captureQueue.stop());
      const names = ctx.values.name;
      const bridge = await startHttpBridge({
        backend,
        ...listen,
        ...(tls === undefined ? {} : { tls }),
        names: Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [],
        signIn: 'password',
        migrationRoutes: createMigrationRoutes(backend.workspace),
        staticDir: fileURLToPath(new URL('../renderer', import.meta.url)),
        workerRoutes: captureQueue.routes,
      });
      // As under `serve`: time-stamps retried and the head stamped daily, indicators kept current.
      backend.time.start();
      void backend.keepIndicatorsCurrent();
      ctx.io.stdout(
        `Vigil team server at ${bridge.url} (sign in at ${bridge.loginUrl})\n` +
          `database ${displayDatabase(database)}\n` +
          `captures go to the workers' queue (job lease ${captureQueue.jobs.expireInSeconds} s)\n`,
      );
      await ctx.io.waitForStop();
      await bridge.close();
    } finally {
      for (const stop of stops.reverse()) await stop();
      await backend.close();
    }
    return EXIT.ok;
  },
};

export const SERVER_COMMANDS: CliCommand[] = [server];
