import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { CHROMIUM } from './chromium';
import { BUILT_CLI } from './cli';

/**
 * The parts of a team deployment as separate processes of the built CLI (`vigil server`,
 * `vigil worker`), the way a unit runs them: each is stopped with SIGTERM and, if it does not end
 * within a bound, killed.
 */

export type VigilProcess = Readonly<{
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code or signal. */
  stop: (graceMs?: number) => Promise<number | NodeJS.Signals>;
}>;

export type TeamServerProcess = VigilProcess & Readonly<{ url: string }>;

/** Starts the built CLI with `args` (stdin: `stdin`, then closed). */
function startVigil(args: readonly string[], stdin: string, env: NodeJS.ProcessEnv): VigilProcess {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    env: { ...process.env, VIGIL_DATA: '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(stdin);
  let out = '';
  const collect = (chunk: Buffer): void => void (out += chunk.toString('utf8'));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => out,
    stop: async (graceMs = 20_000) => {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), graceMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Resolves with the first match of `pattern` in the process's output, or fails after `ms` or on exit. */
async function awaitOutput(proc: VigilProcess, pattern: RegExp, what: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = pattern.exec(proc.output());
    if (found?.[1] !== undefined) return found[1];
    if (proc.child.exitCode !== null || proc.child.signalCode !== null)
      throw new Error(`${what}: the process ended first:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type TeamServerOptions = Readonly<{
  data: string;
  database: string;
  blobs: string;
  certFile: string;
  keyFile: string;
  admin: string;
  adminPassword: string;
}>;

/** `vigil server` on loopback over HTTPS, its first administrator set up; resolves once it listens. */
export async function startTeamServerProcess(opts: TeamServerOptions): Promise<TeamServerProcess> {
  const args = ['--data', opts.data, 'server', '--database', opts.database, '--blobs', opts.blobs];
  args.push('--listen', '127.0.0.1:0', '--tls-cert', opts.certFile, '--tls-key', opts.keyFile);
  args.push('--setup-admin', opts.admin, '--password-stdin');
  const proc = startVigil(args, `${opts.adminPassword}\n`, { VIGIL_NO_OPEN: '1' });
  try {
    const url = await awaitOutput(proc, /team server at (https:\/\/\S+)/, 'the team server URL', 60_000);
    return { ...proc, url };
  } catch (error) {
    await proc.stop(2_000);
    throw error;
  }
}

/** `vigil worker` with its own data dir (holding its registered key), trusting the unit's CA. */
export function startWorkerProcess(data: string, serverUrl: string, caFile: string): VigilProcess {
  const args = ['--data', data, 'worker', '--server', serverUrl, '--ca', caFile, '--allow-private-network'];
  return startVigil(args, '', { VIGIL_BROWSER: CHROMIUM });
}

/**
 * The Chromium flag that trusts exactly this server certificate's key (the unit's certificate is not
 * in the test machine's trust store): base64 SHA-256 of its SubjectPublicKeyInfo.
 */
export function trustCertificateFlag(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`;
}
