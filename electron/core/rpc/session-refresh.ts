import type { Envelope } from '@shared/contract/envelope';
import { METHODS, isMethodName } from '@shared/contract/index';
import type { UsersService } from '../users/users-service';
import type { Workspace } from '../workspace';
import type { Session } from './dispatch';

/**
 * Re-reads a session's user before a call; returns the refusal to send instead of calling, or null
 * to go on.
 */
export type SessionRefresh = (session: Session, method: string) => Promise<Envelope<unknown> | null>;

/**
 * A session holds the user as signed in; an admin (here or through the CLI in another process)
 * may have disabled or demoted them since. Every call re-reads the row by primary key, so the
 * change takes effect on the very next call of every open session.
 */
export function createSessionRefresh(ws: Workspace, users: UsersService): SessionRefresh {
  return async (session, method) => {
    const held = session.user;
    if (held === null) return null;
    const current = await users.current(held.id);
    if (current !== null && !current.disabled) {
      session.user = current;
      return null;
    }
    session.user = null;
    await ws.record((_tx, audit) =>
      audit({
        actor: held.name,
        action: 'session.revoked',
        subject: `user:${held.name}`,
        details: { reason: current === null ? 'user removed' : 'user disabled', method },
      }),
    );
    if (isMethodName(method) && METHODS[method].access === 'public') return null;
    return {
      ok: false,
      error: {
        code: 'auth.not-signed-in',
        message: `the account ${held.name} has been disabled by an administrator; sign in as another user`,
      },
    };
  };
}
