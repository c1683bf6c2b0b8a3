import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A throwaway PostgreSQL cluster for tests: Debian's `postgresql` package, `initdb` in a temp dir, the
 * server on a free loopback port with trust authentication for its one superuser. It stops by itself:
 * the server runs under a small shell that waits on a pipe from this process and shuts the server down
 * when the pipe closes — at `stop()`, and also when the test process exits or is killed.
 */
export type PostgresCluster = Readonly<{
  /** The superuser's URL to the `postgres` maintenance database (trust authentication, no password). */
  adminUrl: string;
  /** A fresh, empty database on the cluster; its connection URL. */
  createDatabase: () => Promise<string>;
  stop: () => Promise<void>;
}>;

const SUPERUSER = 'vigil';
/** When the tests run as root the server runs as this unprivileged user (PostgreSQL refuses root). */
const SERVER_USER = 'postgres';
const START_TIMEOUT_MS = 60_000;

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const first = versions[0];
  if (first === undefined) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
  return join(root, first, 'bin');
}

/** Port 0 cannot be given to PostgreSQL, so the kernel picks a free port for a moment first. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const asServerUser = (command: string, args: readonly string[]): [string, string[]] =>
  process.getuid?.() === 0 ? ['runuser', ['-u', SERVER_USER, '--', command, ...args]] : [command, [...args]];

/** Waits for the server's own "ready" line on its log output: an event, not a poll. */
function whenReady(child: ChildProcess, log: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('PostgreSQL did not start in time')), START_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n${log.join('')}`));
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      log.push(chunk.toString('utf8'));
      if (log.join('').includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => fail(new Error(`PostgreSQL exited with ${String(code)}`)));
  });
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', SERVER_USER]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', SERVER_USER]).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initCmd, initArgs] = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    SUPERUSER,
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });

  const port = await freeLoopbackPort();
  // The shell starts the server, then blocks reading its stdin; end of input (our pipe closing for any
  // reason) sends the fast-shutdown signal, and the shell then removes the cluster's directory. fsync is
  // off: a throwaway cluster needs no durability.
  const script =
    '"$0" -D "$1" -p "$2" -k "$3" -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off & pid=$!; read _; kill -INT $pid; wait $pid; rm -rf "$3"';
  const [cmd, args] = asServerUser('sh', ['-c', script, join(bin, 'postgres'), data, String(port), dir]);
  const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  const log: string[] = [];
  const closePipe = (): void => {
    child.stdin?.end();
  };
  process.once('exit', closePipe);
  try {
    await whenReady(child, log);
  } catch (error) {
    closePipe();
    throw error;
  }

  const admin = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  let databases = 0;
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    adminUrl: admin,
    createDatabase: async () => {
      databases += 1;
      const name = `vigil_${databases}`;
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    },
    stop: async () => {
      process.removeListener('exit', closePipe);
      closePipe();
      await stopped;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
