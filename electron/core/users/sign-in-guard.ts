import { UserName, type User } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import {
  clearSignInFailures,
  signInFailuresOf,
  writeSignInFailures,
} from '../db/repositories/sign-in-lockouts-repo';
import { userByName } from '../db/repositories/users-repo';
import type { Workspace } from '../workspace';

/** Failures allowed before the waits begin; each further one doubles the wait, up to the cap. */
const FREE_FAILURES = 3;
const FIRST_WAIT_MS = 1_000;
const MAX_WAIT_MS = 5 * 60_000;

/** The wait before the next attempt after `failures` failures in a row (0 while still free). */
export const backoffMs = (failures: number): number =>
  failures < FREE_FAILURES ? 0 : Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (failures - FREE_FAILURES));

/**
 * What a failed sign-in's name becomes in the custody log, which is kept forever: a name no user
 * could have (a password typed into the name field, say) is not written down.
 */
export const recordedName = (name: string): string =>
  UserName.safeParse(name).success ? name : '(not a user name)';

/** One client's failures (an app window, a bridge session): in memory, as the client is. */
export type ClientFailures = { failures: number; lastFailureMs: number };

export type SignInGuard = Readonly<{
  /**
   * Signs in with the password unless the user is locked out or this user or this client must wait
   * first. Every refusal and failure is a custody event; the N-th failure in a row locks the user.
   */
  signIn: (name: string, password: string, client: ClientFailures, lockAfter: number) => Promise<User>;
  /** An administrator lifts a lockout (and the failure count); a custody event. */
  unlock: (name: string, actor: string) => Promise<{ wasLocked: boolean; failures: number }>;
}>;

export function createSignInGuard(
  ws: Workspace,
  authenticate: (name: string, password: string) => Promise<User>,
): SignInGuard {
  const refused = async (name: string, reason: string, extra: Record<string, unknown> = {}) =>
    ws.record((_tx, audit) =>
      audit({
        actor: recordedName(name),
        action: 'session.sign-in-failed',
        subject: `user:${recordedName(name)}`,
        details: { reason, ...extra },
      }),
    );

  return {
    async signIn(name, password, client, lockAfter) {
      const now = ws.clock().getTime();
      const row = (await ws.db.read((c) => userByName(c, name))) ?? null;
      const held = row ? await ws.db.read((c) => signInFailuresOf(c, row.id)) : null;
      if (held?.lockedAt != null) {
        await refused(name, 'locked');
        throw new AppError(
          'auth.locked',
          `${name} is locked after failed sign-ins; an administrator can unlock it`,
        );
      }
      const userWait = held === null ? 0 : Date.parse(held.lastFailureAt) + backoffMs(held.failures) - now;
      const clientWait = client.lastFailureMs + backoffMs(client.failures) - now;
      const wait = Math.max(userWait, clientWait);
      if (wait > 0) {
        // Refused before the password is looked at: a guess made now tells nothing.
        await refused(name, 'backoff', { waitMs: wait });
        throw new AppError(
          'auth.too-many-attempts',
          `too many failed sign-ins; try again in ${Math.ceil(wait / 1000)} s`,
          {
            retryAfterMs: wait,
          },
        );
      }
      try {
        const user = await authenticate(name, password);
        client.failures = 0;
        await ws.record(async (tx, audit) => {
          if (held !== null) await clearSignInFailures(tx, user.id);
          await audit({ actor: user.name, action: 'session.signed-in', subject: `user:${user.name}` });
        });
        return user;
      } catch (error) {
        client.failures += 1;
        client.lastFailureMs = now;
        const failures = (held?.failures ?? 0) + 1;
        const locks = row !== null && failures >= lockAfter;
        await ws.record(async (tx, audit) => {
          if (row !== null) {
            await writeSignInFailures(tx, {
              userId: row.id,
              failures,
              lastFailureAt: new Date(now).toISOString(),
              lockedAt: locks ? new Date(now).toISOString() : null,
            });
          }
          await audit({
            actor: recordedName(name),
            action: 'session.sign-in-failed',
            subject: `user:${recordedName(name)}`,
            details: { reason: 'bad-credentials', failures: row === undefined ? client.failures : failures },
          });
          if (locks)
            await audit({
              actor: 'system',
              action: 'user.locked',
              subject: `user:${name}`,
              details: { failures, lockAfter },
            });
        });
        throw error;
      }
    },

    async unlock(name, actor) {
      return ws.record(async (tx, audit) => {
        const row = await userByName(tx, name);
        if (!row) throw new AppError('user.not-found', `no user named ${name}`);
        const held = await signInFailuresOf(tx, row.id);
        await clearSignInFailures(tx, row.id);
        const result = { wasLocked: held?.lockedAt != null, failures: held?.failures ?? 0 };
        await audit({ actor, action: 'user.unlocked', subject: `user:${name}`, details: result });
        return result;
      });
    },
  };
}
