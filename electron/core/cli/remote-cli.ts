import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { METHODS, type MethodInput, type MethodName, type MethodOutput } from '@shared/contract';
import type { Envelope } from '@shared/contract/envelope';
import { User } from '@shared/domain/users';
import { AppError, isAppError, type ErrorCode } from '@shared/errors/app-error';
import { connectTeamServer, type TeamServerClient } from '../remote/remote-client';
import { EXIT, type CliCommand, type CliIo, type CliValues, type TeamServer } from './cli-types';
import { escapeForTerminal } from './terminal-text';

/** Global options of team mode; each takes a value (run-cli.ts skips it when finding the command). */
export const REMOTE_OPTIONS = {
  server: { type: 'string' },
  user: { type: 'string' },
  ca: { type: 'string' },
} as const;

export type RemoteRun = Readonly<{
  command: CliCommand;
  io: CliIo;
  values: CliValues;
  positionals: readonly string[];
  serverUrl: string;
  /** The first line of standard input (read once; shared with the command). */
  stdinPassword: () => Promise<string>;
  /** A hidden prompt on a terminal. */
  prompt: (text: string) => Promise<string>;
  exitCodeFor: (code: ErrorCode) => number;
}>;

const valueOf = (values: CliValues, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
};

/**
 * The team server a command runs against, or null for the local data dir: `--server URL`, else
 * VIGIL_SERVER unless `--data` chose a local data dir. Commands with their own `--server` option
 * (a worker's) and `vigil server` itself always run here.
 */
export function teamServerUrlOf(
  command: CliCommand,
  values: CliValues,
  env: NodeJS.ProcessEnv,
): string | null {
  if (command.path[0] === 'server' || command.options?.server !== undefined) return null;
  const given = valueOf(values, 'server');
  if (given !== undefined) return given;
  const fromEnv = env.VIGIL_SERVER;
  if (typeof fromEnv === 'string' && fromEnv !== '' && values.data === undefined) return fromEnv;
  return null;
}

/** Sign-in and role refusals of a team server are the user's environment (exit 3), as is a server that is not there. */
function remoteExitCode(code: ErrorCode, fallback: (code: ErrorCode) => number): number {
  return code.startsWith('auth.') ? EXIT.environment : fallback(code);
}

function localOnly(command: CliCommand): AppError {
  return new AppError(
    'env.local-only',
    `\`${command.path.join(' ')}\` works on a local data dir only (not with --server)`,
  );
}

function userOf(run: RemoteRun): string {
  const name = valueOf(run.values, 'user') ?? valueOf(run.values, 'as') ?? run.io.env.VIGIL_USER;
  if (name === undefined || name === '')
    throw new AppError('input.invalid', 'say who signs in to the team server: --user NAME (or VIGIL_USER)');
  return name;
}

async function caOf(run: RemoteRun): Promise<string | undefined> {
  const file = valueOf(run.values, 'ca') ?? run.io.env.VIGIL_SERVER_CA;
  if (file === undefined || file === '') return undefined;
  try {
    return await readFile(resolve(run.io.cwd, file), 'utf8');
  } catch (error) {
    throw new AppError('input.invalid', `cannot read --ca ${file}: ${(error as Error).message}`);
  }
}

/** The password, in this order: standard input (--password-stdin), VIGIL_PASSWORD, a hidden prompt. */
async function passwordOf(run: RemoteRun, name: string): Promise<string> {
  if (run.values['password-stdin'] === true) return run.stdinPassword();
  const fromEnv = run.io.env.VIGIL_PASSWORD;
  if (typeof fromEnv === 'string' && fromEnv !== '') return fromEnv;
  if (!run.io.stdinIsTty)
    throw new AppError(
      'input.invalid',
      `no password for ${name}: pass --password-stdin or set VIGIL_PASSWORD (standard input is not a terminal)`,
    );
  return run.prompt(`password of ${name} on the team server: `);
}

function valueOrThrow(envelope: Envelope<unknown>): unknown {
  if (!envelope.ok) throw new AppError(envelope.error.code, envelope.error.message, envelope.error.details);
  return envelope.value;
}

/** Calls checked both ways against the contract: the input before it is sent, the reply before it is used. */
function checkedServer(client: TeamServerClient, user: User): TeamServer {
  return {
    url: client.url,
    user,
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      const def = METHODS[method];
      const sent = def.input.safeParse(input);
      if (!sent.success)
        throw new AppError('input.invalid', `${method}: ${sent.error.issues[0]?.message ?? 'invalid input'}`);
      const value = valueOrThrow(await client.call(method, sent.data));
      const reply = def.output.safeParse(value);
      if (!reply.success)
        throw new AppError(
          'rpc.invalid-output',
          `the team server's reply to ${method} does not match the contract: ${reply.error.issues[0]?.message ?? ''}`,
        );
      return reply.data as MethodOutput<M>;
    },
    exportedBundle: (name) => client.exportedBundle(name),
  };
}

async function signIn(client: TeamServerClient, name: string, password: string): Promise<User> {
  const value = valueOrThrow(await client.signIn(name, password));
  const user = User.safeParse(value);
  if (!user.success)
    throw new AppError('rpc.invalid-output', "the team server's sign-in reply does not match the contract");
  return user.data;
}

/** One line, whatever the server put in its message: a reply cannot add lines to this output. */
const oneLine = (text: string): string => escapeForTerminal(text.replace(/\s*\n\s*/g, ' '));

/**
 * A command against a team server, as a list of stages: refuse a local-only command, connect (the
 * unit's CA), sign in with the user's password, run the command's `remote` handler, sign out.
 */
export async function runRemote(run: RemoteRun): Promise<number> {
  let client: TeamServerClient | null = null;
  try {
    const handler = run.command.remote;
    if (handler === undefined) throw localOnly(run.command);
    const name = userOf(run);
    const ca = await caOf(run);
    client = connectTeamServer(ca === undefined ? { url: run.serverUrl } : { url: run.serverUrl, ca });
    const password = await passwordOf(run, name);
    const user = await signIn(client, name, password);
    const server = checkedServer(client, user);
    return await handler({
      io: run.io,
      values: run.values,
      positionals: run.positionals,
      json: run.values.json === true,
      server,
      password: () => Promise.resolve(password),
    });
  } catch (error) {
    if (isAppError(error)) {
      run.io.stderr(`error ${error.code}: ${oneLine(error.message)}\n`);
      return remoteExitCode(error.code, run.exitCodeFor);
    }
    run.io.stderr(
      `error internal.unexpected: ${oneLine(error instanceof Error ? error.message : String(error))}\n`,
    );
    return EXIT.internal;
  } finally {
    if (client !== null) await endSession(client);
  }
}

/** Signs out so the session ends now, not after its idle lifetime; a failure here changes no outcome. */
async function endSession(client: TeamServerClient): Promise<void> {
  try {
    if (client.signedIn()) await client.signOut();
  } finally {
    client.close();
  }
}
