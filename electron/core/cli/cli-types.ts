import type { ParseArgsConfig } from 'node:util';
import type { MethodInput, MethodName, MethodOutput } from '@shared/contract';
import type { User } from '@shared/domain/users';
import type { Backend } from '../backend';
import type { RemoteBundle } from '../remote/remote-client';
import type { ProvenUser } from '../users/cli-sessions';

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
  /** The acting user named with --as once proven (cli-identity.ts), else null: the OS account acts. */
  as: string | null;
  /** The proven acting user and the signing key the proof unlocked (co-signs capture manifests). */
  operator: ProvenUser | null;
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
  /** 'other' when the command's --password-stdin is someone else's password (a new user's). */
  stdinPassword?: 'acting-user' | 'other';
  run: (ctx: CliContext) => Promise<number>;
  /**
   * The same command against a team server (`--server URL`, remote-cli.ts): the options mapped to
   * contract calls, the same output. Commands without one work on a local data dir only.
   */
  remote?: (ctx: RemoteCliContext) => Promise<number>;
}>;

/** A signed-in session on a team server; every reply is checked against the contract's schema. */
export type TeamServer = Readonly<{
  url: string;
  /** The user the session belongs to (their role decides what the server allows). */
  user: User;
  call: <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>;
  /** A finished bundle of the server's exports/ folder, by name (what bundle.export wrote there). */
  exportedBundle: (name: string) => Promise<RemoteBundle>;
}>;

/** What a command's `remote` handler gets: the parsed command line and the signed-in session. */
export type RemoteCliContext = Readonly<{
  io: CliIo;
  values: CliValues;
  positionals: readonly string[];
  json: boolean;
  server: TeamServer;
  /** The password the session was opened with (the reviewer's key on the server needs it again). */
  password: () => Promise<string>;
}>;

export const EXIT = { ok: 0, checkFailed: 1, usage: 2, environment: 3, internal: 4 } as const;
