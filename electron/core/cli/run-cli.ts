import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError, isAppError, type ErrorCode } from '@shared/errors/app-error';
import { createBackend, type Backend } from '../backend';
import { defaultDataDir } from '../data-dir';
import { storeErrorOf } from '../store/store-errors';
import type { ProvenUser } from '../users/cli-sessions';
import { proveActing, unprovenWarning } from './cli-identity';
import { REMOTE_OPTIONS, runRemote, teamServerUrlOf } from './remote-cli';
import { EXIT, type CliCommand, type CliContext, type CliIo } from './cli-types';
import { SESSION_COMMANDS } from './commands/session-commands';
import { BUNDLE_COMMANDS } from './commands/bundle-commands';
import { CA_COMMANDS } from './commands/ca-commands';
import { CAPTURE_COMMANDS } from './commands/capture-commands';
import { FLAG_COMMANDS } from './commands/flag-commands';
import { HASHLIST_COMMANDS } from './commands/hashlist-commands';
import { FOUNDATION_COMMANDS, osActor } from './commands/foundation-commands';
import { INDICATOR_COMMANDS } from './commands/indicator-commands';
import { INTAKE_COMMANDS } from './commands/intake-commands';
import { REFERRAL_COMMANDS } from './commands/referral-commands';
import { RECHECK_COMMANDS } from './commands/recheck-commands';
import { REVIEW_COMMANDS } from './commands/review-commands';
import { TRUST_COMMANDS } from './commands/trust-commands';
import { ORG_CA_COMMANDS } from './commands/org-ca-commands';
import { TIME_COMMANDS } from './commands/time-commands';
import { VAULT_COMMANDS } from './commands/vault-commands';
import { SERVER_COMMANDS } from './commands/server-commands';
import { MIGRATE_COMMANDS } from './commands/migrate-commands';
import { WORKER_COMMANDS } from './commands/worker-commands';

const GLOBAL_OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  data: { type: 'string' },
  as: { type: 'string' },
  // Proof for --as: the acting user's password on standard input (see cli-identity.ts).
  'password-stdin': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  // Team mode: --server URL --user NAME [--ca FILE] (remote-cli.ts).
  ...REMOTE_OPTIONS,
};

/** Global options followed by a value: that value is never a command word. */
const VALUE_OPTIONS = new Set(['--data', '--as', '--server', '--user', '--ca']);

const STARTUP_RETRY_BUDGET_MS = 2000;

/** Later areas append their commands here; the table is the whole CLI. */
export const COMMANDS: CliCommand[] = [
  ...FOUNDATION_COMMANDS,
  ...SESSION_COMMANDS,
  ...CA_COMMANDS,
  ...INTAKE_COMMANDS,
  ...CAPTURE_COMMANDS,
  ...BUNDLE_COMMANDS,
  ...REVIEW_COMMANDS,
  ...FLAG_COMMANDS,
  ...HASHLIST_COMMANDS,
  ...TRUST_COMMANDS,
  ...ORG_CA_COMMANDS,
  ...TIME_COMMANDS,
  ...INDICATOR_COMMANDS,
  ...REFERRAL_COMMANDS,
  ...RECHECK_COMMANDS,
  ...VAULT_COMMANDS,
  ...SERVER_COMMANDS,
  ...MIGRATE_COMMANDS,
  ...WORKER_COMMANDS,
];

/** Exit codes of DESIGN §10: 2 bad usage or input, 3 environment, 4 internal. */
export function exitCodeFor(code: ErrorCode): number {
  if (code === 'internal.unexpected' || code === 'rpc.invalid-output') return EXIT.internal;
  if (
    code.startsWith('env.') ||
    code.startsWith('db.') ||
    code.startsWith('server.') ||
    code === 'capture.browser-unavailable' ||
    code === 'store.not-initialized' ||
    code === 'store.damaged' ||
    code === 'store.disk-full' ||
    code === 'custody.key-missing' ||
    code === 'custody.key-mismatch' ||
    code === 'tsa.unreachable' ||
    code === 'notice.send-failed'
  ) {
    return code === 'db.append-only' ? EXIT.usage : EXIT.environment;
  }
  return EXIT.usage;
}

function usage(): string {
  // Usage on one line, what it does indented below: long usages never push the summary off screen.
  const lines = COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `usage: vigil [--data DIR] [--as USER] [--json] <command>\n       vigil --server URL --user NAME [--ca FILE] [--password-stdin] <command>\n\n${lines.join('\n')}\n\n--data defaults to VIGIL_DATA, then the app-data folder.\n--server (or VIGIL_SERVER) runs the command on a team server: signed in as --user with the password from --password-stdin, VIGIL_PASSWORD or a prompt.\nExit codes: 0 success, 1 a check failed, 2 bad usage or input, 3 environment problem, 4 internal error.\n`;
}

function findCommand(args: readonly string[]): { command: CliCommand; rest: string[] } | null {
  // Global options may come before the command words; take the words from the non-option arguments.
  const words: { word: string; index: number }[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (VALUE_OPTIONS.has(arg)) {
      i += 1;
      continue;
    }
    if (arg.startsWith('-')) continue;
    words.push({ word: arg, index: i });
    if (words.length === 3) break;
  }
  const candidates = [...COMMANDS].sort((a, b) => b.path.length - a.path.length);
  for (const command of candidates) {
    if (command.path.every((w, i) => words[i]?.word === w)) {
      const used = new Set(words.slice(0, command.path.length).map((w) => w.index));
      return { command, rest: args.filter((_, i) => !used.has(i)) };
    }
  }
  return null;
}

async function promptHidden(prompt: string, io: CliIo): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  io.stderr(prompt);
  // Echo nothing while the password is typed.
  const out = rl as unknown as { _writeToOutput?: (s: string) => void };
  out._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  io.stderr('\n');
  return answer;
}

/** The whole `vigil` command as a function, so tests run it in-process with captured output. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const found = findCommand(argv);
  if (argv.length === 0 || (found === null && (argv.includes('--help') || argv.includes('-h')))) {
    io.stdout(usage());
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  if (found === null) {
    const words = argv.filter((a, i) => !a.startsWith('-') && !VALUE_OPTIONS.has(argv[i - 1] ?? ''));
    io.stderr(`error input.invalid: unknown command "${words.join(' ')}" (vigil --help lists them)\n`);
    return EXIT.usage;
  }
  const { command, rest } = found;
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...(command.options ?? {}) },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr(`error input.invalid: ${(error as Error).message}\nusage: vigil ${command.usage}\n`);
    return EXIT.usage;
  }
  const values = parsed.values as CliContext['values'];
  if (values.help === true) {
    io.stdout(`usage: vigil ${command.usage}\n${command.summary}\n`);
    return EXIT.ok;
  }

  const dataDir = typeof values.data === 'string' ? values.data : defaultDataDir(io.env);
  const serverUrl = teamServerUrlOf(command, values, io.env);
  let backend: Backend | null = null;
  let stdinLine: string | null = null;
  // Standard input is read once: the proof of --as and the command's own use see the same password.
  const stdinPassword = async (): Promise<string> => {
    if (stdinLine !== null) return stdinLine;
    const text = await io.readStdin();
    const line = text.split(/\r?\n/)[0] ?? '';
    if (line === '') throw new AppError('input.invalid', 'no password on standard input');
    stdinLine = line;
    return line;
  };
  const openBackend = async (): Promise<Backend> => {
    if (backend === null) {
      backend = await createBackend({ dataDir });
      // Captures still waiting for a token are retried at the start of every command that opens
      // the data dir, bounded so that a TSA that is down delays the command by at most this.
      await backend.time.startupRetry(STARTUP_RETRY_BUDGET_MS);
    }
    return backend;
  };
  const contextFor = (as: string | null, operator: ProvenUser | null): CliContext => ({
    io,
    values,
    positionals: parsed.positionals,
    dataDir,
    json: values.json === true,
    as,
    operator,
    backend: async () => {
      const opened = await openBackend();
      if (as !== null && (await opened.users.byName(as)) === null) {
        throw new AppError('user.not-found', `--as names no user: ${as}`);
      }
      return opened;
    },
    password: async (prompt) => {
      if (values['password-stdin'] === true) return stdinPassword();
      // Nothing prompts when stdin is not a terminal: scripts must say --password-stdin.
      if (!io.stdinIsTty)
        throw new AppError(
          'input.invalid',
          'standard input is not a terminal: pass the password with --password-stdin',
        );
      return promptHidden(prompt, io);
    },
  });

  if (serverUrl !== null)
    return runRemote({
      command,
      io,
      values,
      positionals: parsed.positionals,
      serverUrl,
      stdinPassword,
      prompt: (text) => promptHidden(text, io),
      exitCodeFor,
    });

  try {
    const named = typeof values.as === 'string' ? values.as : null;
    let operator: ProvenUser | null = null;
    if (named !== null) {
      const opened = await openBackend();
      if ((await opened.users.byName(named)) === null)
        throw new AppError('user.not-found', `--as names no user: ${named}`);
      // An act recorded as a user's needs that user's proof; without any, it is the OS account's.
      const stdinIsTheirs = values['password-stdin'] === true && command.stdinPassword !== 'other';
      operator = await proveActing({
        name: named,
        backend: opened,
        dataDir,
        io,
        stdinPassword: stdinIsTheirs ? stdinPassword : null,
        prompt: io.stdinIsTty && !stdinIsTheirs ? () => promptHidden(`password of ${named}: `, io) : null,
      });
      if (operator === null) io.stderr(unprovenWarning(named, osActor()));
    }
    const ctx = contextFor(operator === null ? null : operator.user.name, operator);
    return await command.run(ctx);
  } catch (caught) {
    // A full disk or a damaged database that reached here unnamed is still the environment (exit 3).
    const error = storeErrorOf(caught, dataDir) ?? caught;
    if (isAppError(error)) {
      io.stderr(`error ${error.code}: ${error.message}\n`);
      return exitCodeFor(error.code);
    }
    io.stderr(
      `error internal.unexpected: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.internal;
  } finally {
    const opened = backend as Backend | null;
    if (opened !== null) await opened.close();
  }
}
