import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runCli } from '@core/cli/run-cli';

export type CliResult = { code: number; stdout: string; stderr: string };

const passwords = new Map<string, string>();
const tokens = new Map<string, string>();
const keyOf = (dataDir: string, user: string) => `${resolve(dataDir)}\u0000${user}`;
const valueAfter = (args: readonly string[], option: string): string | undefined => {
  const i = args.indexOf(option);
  return i >= 0 ? args[i + 1] : undefined;
};

/**
 * Tells the CLI helper a user's password, so that `vigil(['--data', D, '--as', USER, …])` proves USER
 * with a session token from `vigil login` (signed in once per data dir and user), as a person would.
 * Users added through `vigil user add … --password-stdin` are remembered without this.
 */
export function rememberPassword(dataDir: string, user: string, password: string): void {
  passwords.set(keyOf(dataDir, user), password);
}

/** The VIGIL_SESSION token proving `user` in `dataDir`, from one `vigil login` per data dir and user. */
export async function sessionTokenFor(dataDir: string, user: string): Promise<string> {
  const key = keyOf(dataDir, user);
  const known = tokens.get(key);
  if (known !== undefined) return known;
  const password = passwords.get(key);
  if (password === undefined) throw new Error(`no password remembered for ${user} in ${dataDir}`);
  const login = await runInProcess(
    ['--data', dataDir, 'login', user, '--password-stdin', '--print-token'],
    `${password}\n`,
    {},
  );
  if (login.code !== 0) throw new Error(`vigil login ${user} failed: ${login.stderr}`);
  const token = login.stdout.trim();
  tokens.set(key, token);
  return token;
}

export type VigilOptions = Readonly<{ env?: NodeJS.ProcessEnv }>;

/**
 * Runs the `vigil` command in-process with captured output and the given standard input. An `--as USER`
 * without `--password-stdin` is proven with USER's session token when the helper knows their password.
 */
export async function vigil(
  args: readonly string[],
  stdin = '',
  opts: VigilOptions = {},
): Promise<CliResult> {
  const dataDir = valueAfter(args, '--data');
  const as = valueAfter(args, '--as');
  if (
    dataDir !== undefined &&
    args[args.indexOf('add') - 1] === 'user' &&
    args.includes('--password-stdin')
  ) {
    const name = args[args.indexOf('add') + 1];
    if (name !== undefined) rememberPassword(dataDir, name, stdin.split(/\r?\n/)[0] ?? '');
  }
  let env = opts.env ?? {};
  if (
    opts.env === undefined &&
    dataDir !== undefined &&
    as !== undefined &&
    !args.includes('--password-stdin') &&
    passwords.has(keyOf(dataDir, as))
  )
    env = { VIGIL_SESSION: await sessionTokenFor(dataDir, as) };
  return runInProcess(args, stdin, env);
}

async function runInProcess(
  args: readonly string[],
  stdin: string,
  env: NodeJS.ProcessEnv,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: () => Promise.resolve(stdin),
    stdinIsTty: false,
    env,
    cwd: process.cwd(),
    waitForStop: () => Promise.resolve(),
  });
  return { code, stdout, stderr };
}

export const BUILT_CLI = resolve(import.meta.dirname, '../../out/cli/vigil.js');

/** Runs the built `vigil` in its own process, as a user would (needs `npm run build`). */
export function vigilProcess(args: readonly string[], stdin = '', timeoutMs = 60_000): Promise<CliResult> {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [BUILT_CLI, ...args],
      { timeout: timeoutMs, env: { ...process.env, VIGIL_DATA: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 99;
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });
}

/** A `vigil` command running in this process until it ends or `stop()` (a terminal's Ctrl-C). */
export type RunningCli = Readonly<{
  stdout: () => string;
  stderr: () => string;
  stop: () => void;
  exit: Promise<number>;
}>;

/** Starts `vigil args…` in-process (`vigil server`, `vigil migrate-to-server`); `env` adds to the process's. */
export function startCliInProcess(
  args: readonly string[],
  stdin = '',
  env: NodeJS.ProcessEnv = {},
): RunningCli {
  let stdout = '';
  let stderr = '';
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const exit = runCli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: () => Promise.resolve(stdin),
    stdinIsTty: false,
    env: { ...process.env, VIGIL_NO_OPEN: '1', ...env },
    cwd: process.cwd(),
    waitForStop: () => stopped,
  });
  return { stdout: () => stdout, stderr: () => stderr, stop: () => stop(), exit };
}

/** The URL an in-process `vigil server` prints once it listens; fails when it ends first or after 30 s. */
export async function teamServerUrlOf(running: RunningCli): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = /team server at (https:\/\/\S+)/.exec(running.stdout());
    if (found?.[1] !== undefined) return found[1];
    if (Date.now() > deadline) throw new Error(`no URL printed: ${running.stdout()} ${running.stderr()}`);
    const early = await Promise.race([running.exit, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
    if (early !== null) throw new Error(`vigil server ended (${String(early)}): ${running.stderr()}`);
  }
}
