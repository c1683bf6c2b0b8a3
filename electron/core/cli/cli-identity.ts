import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AppError } from '@shared/errors/app-error';
import type { Backend } from '../backend';
import { createCliSessions, type CliSessions, type ProvenUser } from '../users/cli-sessions';
import type { CliIo } from './cli-types';

/** Where `vigil login` keeps the OS account's current session (one per data dir, mode 0600). */
export const SESSION_FILE = 'cli-session.json';
const StoredSession = z.object({ user: z.string(), token: z.string() });

export const sessionsOf = (backend: Backend): CliSessions =>
  createCliSessions(backend.workspace, backend.users, {
    lockAfter: async () => (await backend.settings.get()).signInLockoutAfter,
  });

export async function readStoredSession(dataDir: string): Promise<z.infer<typeof StoredSession> | null> {
  const path = join(dataDir, SESSION_FILE);
  if (!existsSync(path)) return null;
  const parsed = StoredSession.safeParse(JSON.parse(await readFile(path, 'utf8')));
  return parsed.success ? parsed.data : null;
}

export async function writeStoredSession(dataDir: string, user: string, token: string): Promise<string> {
  const path = join(dataDir, SESSION_FILE);
  // Written 0600 before the token goes in: the token is as good as the password for its lifetime.
  await writeFile(path, '', { mode: 0o600 });
  await chmod(path, 0o600);
  await writeFile(path, `${JSON.stringify({ user, token })}\n`, { mode: 0o600 });
  return path;
}

export const removeStoredSession = (dataDir: string): Promise<void> =>
  rm(join(dataDir, SESSION_FILE), { force: true });

export type IdentityInput = Readonly<{
  name: string;
  backend: Backend;
  dataDir: string;
  io: CliIo;
  /** The acting user's password from standard input (--password-stdin), when stdin carries it. */
  stdinPassword: (() => Promise<string>) | null;
  /** A hidden prompt on a terminal; null when standard input is not one. */
  prompt: (() => Promise<string>) | null;
}>;

/**
 * Proof for `--as NAME`, in this order: the password on standard input, `VIGIL_SESSION`, the stored
 * session of `vigil login NAME`, a password prompt on a terminal. A proof that is given and wrong is
 * an error; no proof at all returns null, and the act is then recorded as the OS account.
 */
export async function proveActing(input: IdentityInput): Promise<ProvenUser | null> {
  const sessions = sessionsOf(input.backend);
  if (input.stdinPassword !== null) return sessions.provePassword(input.name, await input.stdinPassword());
  const envToken = input.io.env.VIGIL_SESSION;
  if (typeof envToken === 'string' && envToken !== '') return sessions.proveToken(input.name, envToken);
  const stored = await readStoredSession(input.dataDir);
  if (stored !== null && stored.user === input.name) {
    try {
      return await sessions.proveToken(input.name, stored.token);
    } catch (error) {
      // An expired stored login is no proof; a prompt (on a terminal) may still give one.
      if (!(error instanceof AppError && error.code === 'auth.session-expired')) throw error;
    }
  }
  if (input.prompt !== null) return sessions.provePassword(input.name, await input.prompt());
  return null;
}

export const unprovenWarning = (name: string, actor: string): string =>
  `warning auth.unproven: --as ${name} was not proven (no --password-stdin, no VIGIL_SESSION, no \`vigil login ${name}\` session): recorded as ${actor}, an unauthenticated OS account\n`;
