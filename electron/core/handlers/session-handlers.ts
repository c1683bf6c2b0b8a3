import { APP_NAME, APP_VERSION } from '../app-info';
import { revealLogOf } from '../media/reveal-log';
import type { Session } from '../rpc/dispatch';
import { signerOf } from '../users/cli-sessions';
import type { ClientFailures } from '../users/sign-in-guard';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** Sign-in state of one session: first-run setup, sign in and out, each recorded in the custody log. */
export function createSessionHandlers(
  deps: Pick<HandlerDeps, 'ws' | 'users' | 'settings' | 'sessionKeys'>,
): HandlersOf<'session'> {
  const { ws, users, settings, sessionKeys } = deps;
  // The password just checked unlocks the user's key for the session (memory only), so captures
  // queued from the UI are co-signed; a key that cannot be unlocked leaves them with a warning.
  const holdKey = async (session: Session, name: string, password: string): Promise<void> => {
    sessionKeys.clear(session);
    try {
      sessionKeys.hold(session, signerOf(await users.unlockSigningKey(name, password)));
    } catch {
      // Sign-in stands; the captures of this session say they are not co-signed.
    }
  };
  // Failed sign-ins per client (an app window, a bridge session), for the per-client backoff.
  const clients = new WeakMap<object, ClientFailures>();
  const clientOf = (session: object): ClientFailures => {
    const known = clients.get(session);
    if (known !== undefined) return known;
    const fresh = { failures: 0, lastFailureMs: 0 };
    clients.set(session, fresh);
    return fresh;
  };
  return {
    'session.status': async (_input, { session }) => ({
      initialized: (await users.count()) > 0,
      user: session.user,
      app: { name: APP_NAME, version: APP_VERSION },
    }),
    'session.setupAdmin': async (input, { session }) => {
      const user = await users.create({ ...input, role: 'admin' }, 'setup', { onlyIfNone: true });
      session.user = user;
      await holdKey(session, user.name, input.password);
      return user;
    },
    'session.signIn': async (input, { session }) => {
      const { signInLockoutAfter } = await settings.get();
      // Backoff, lockout and their custody events (and the signed-in one) are the guard's.
      const user = await users.signIn(input.name, input.password, clientOf(session), signInLockoutAfter);
      session.user = user;
      await holdKey(session, user.name, input.password);
      // Reveals the last session never ended (window closed, process stopped) end now, capped.
      await revealLogOf(ws).endLeftOpen(user, 'next-sign-in');
      return user;
    },
    'session.signOut': async (_input, { session, user }) => {
      // The images on screen go away with the session: their reveals end now.
      await revealLogOf(ws).endLeftOpen(user, 'left');
      session.user = null;
      sessionKeys.clear(session);
      await ws.record((_tx, audit) =>
        audit({ actor: user.name, action: 'session.signed-out', subject: `user:${user.name}` }),
      );
      return null;
    },
  };
}
