import type { ParseArgsConfig } from 'node:util';
import type { Backend } from '../backend';

export type CliIo = Readonly<{
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whole standard input (only read when a command asks for it). */
  readStdin: () => Promise<string>;
  stdinIsTty: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Resolves when the user asks a long-running command (serve) to stop. */
  waitForStop: () => Promise<void>;
}>;

export type CliValues = Readonly<Record<string, string | boolean | string[] | boolean[] | undefined>>;

export type CliContext = Readonly<{
  io: CliIo;
  values: CliValues;
  positionals: readonly string[];
  dataDir: string;
  json: boolean;
  /** The acting user named with --as, or null. */
  as: string | null;
  /** Opens the backend on the data dir (initialising it if needed); closed by the runner. */
  backend: () => Promise<Backend>;
  /** The password of the acting user: stdin with --password-stdin, a hidden prompt on a terminal. */
  password: (prompt: string) => Promise<string>;
}>;

export type CliCommand = Readonly<{
  /** Words of the command, e.g. ['user', 'add']. */
  path: readonly string[];
  usage: string;
  summary: string;
  options?: ParseArgsConfig['options'];
  run: (ctx: CliContext) => Promise<number>;
}>;

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, environment: 3, internal: 4 } as const;
