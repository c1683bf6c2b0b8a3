import type { Envelope } from '@shared/contract/envelope';
import type { AnyEvent } from '@shared/contract/events';
import { APP_NAME, APP_VERSION } from '../app-info';
import type { RemoteArtifact, RemoteEvents, TeamServerClient } from './remote-client';

/** What one app window needs of a team server: its calls, and its events while signed in. */
export type RemoteForwarder = Readonly<{
  invoke: (method: string, input: unknown) => Promise<Envelope<unknown>>;
  subscribe: (listener: (event: AnyEvent) => void) => () => void;
  /** An artifact the window shows (evidence://), fetched in its server session; null when signed out. */
  artifact: (sha256: string, reveal: boolean) => Promise<RemoteArtifact | null>;
  signedIn: () => boolean;
  close: () => void;
}>;

/** After the stream drops while still signed in, it is opened again after this pause. */
const RECONNECT_MS = 1000;

const credentialsOf = (input: unknown): { name: string; password: string } | null => {
  if (typeof input !== 'object' || input === null) return null;
  const { name, password } = input as Record<string, unknown>;
  return typeof name === 'string' && typeof password === 'string' ? { name, password } : null;
};

/**
 * The renderer's calls, forwarded to a team server instead of the in-process backend. The server
 * decides everything (roles included); only the sign-in state is translated: before a sign-in
 * there is no server session, so `session.status` answers "signed out" here and
 * `session.signIn` is the client's password sign-in. First-run set-up is the server's
 * (`vigil server --setup-admin`), never a window's.
 */
export function createRemoteForwarder(client: TeamServerClient): RemoteForwarder {
  const listeners = new Set<(event: AnyEvent) => void>();
  let stream: RemoteEvents | null = null;
  let closed = false;
  // Each sign-in starts one reader; a sign-out or a new sign-in retires the one before.
  let generation = 0;

  async function pump(mine: number): Promise<void> {
    while (!closed && mine === generation && client.signedIn()) {
      try {
        const opened = await client.events();
        // Signed out (or in again) while the stream was opening: it is not this reader's any more.
        if (mine !== generation || closed) {
          opened.close();
          return;
        }
        stream = opened;
        for await (const event of stream) for (const listener of listeners) listener(event);
      } catch {
        // The server refused or went away: tried again below while the window is signed in.
      }
      stream = null;
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }

  const stopEvents = (): void => {
    generation += 1;
    stream?.close();
    stream = null;
  };

  async function invoke(method: string, input: unknown): Promise<Envelope<unknown>> {
    if (method === 'session.status' && !client.signedIn())
      return {
        ok: true,
        value: { initialized: true, user: null, app: { name: APP_NAME, version: APP_VERSION } },
      };
    if (method === 'session.setupAdmin')
      return {
        ok: false,
        error: {
          code: 'auth.setup-done',
          message: 'a team server is set up on the server (vigil server --setup-admin)',
        },
      };
    if (method === 'session.signIn') {
      const given = credentialsOf(input);
      if (given === null)
        return { ok: false, error: { code: 'rpc.invalid-input', message: 'expected { name, password }' } };
      stopEvents();
      const reply = await client.signIn(given.name, given.password);
      if (reply.ok) void pump(generation);
      return reply;
    }
    if (method === 'session.signOut') {
      stopEvents();
      return client.signOut();
    }
    const reply = await client.call(method, input);
    // The server ended the session (lifetime, revoked): the window is signed out, as locally.
    if (method === 'session.status' && !reply.ok && reply.error.code === 'auth.bad-token')
      return invoke('session.status', {});
    return reply;
  }

  return {
    invoke,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    artifact: async (sha256, reveal) =>
      closed || !client.signedIn() ? null : client.artifact(sha256, reveal),
    signedIn: () => !closed && client.signedIn(),
    close: () => {
      closed = true;
      stopEvents();
      client.close();
    },
  };
}
