import { APP_NAME, APP_VERSION } from '../app-info';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** Sign-in state of one session: first-run setup, sign in and out, each recorded in the custody log. */
export function createSessionHandlers(deps: Pick<HandlerDeps, 'ws' | 'users'>): HandlersOf<'session'> {
  const { ws, users } = deps;
  return {
    'session.status': async (_input, { session }) => ({
      initialized: (await users.count()) > 0,
      user: session.user,
      app: { name: APP_NAME, version: APP_VERSION },
    }),
    'session.setupAdmin': async (input, { session }) => {
      const user = await users.create({ ...input, role: 'admin' }, 'setup', { onlyIfNone: true });
      session.user = user;
      return user;
    },
    'session.signIn': async (input, { session }) => {
      try {
        const user = await users.authenticate(input.name, input.password);
        session.user = user;
        await ws.record((_tx, audit) =>
          audit({ actor: user.name, action: 'session.signed-in', subject: `user:${user.name}` }),
        );
        return user;
      } catch (error) {
        await ws.record((_tx, audit) =>
          audit({ actor: input.name, action: 'session.sign-in-failed', subject: `user:${input.name}` }),
        );
        throw error;
      }
    },
    'session.signOut': async (_input, { session, user }) => {
      session.user = null;
      await ws.record((_tx, audit) =>
        audit({ actor: user.name, action: 'session.signed-out', subject: `user:${user.name}` }),
      );
      return null;
    },
  };
}
