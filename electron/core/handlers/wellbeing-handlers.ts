import { AppError } from '@shared/errors/app-error';
import { revealLogOf, utcDay } from '../media/reveal-log';
import { vaultAccessOf } from '../media/vault-access';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

const DEFAULT_SOFT_LIMIT_MINUTES = 240;
const DAY_MS = 86_400_000;

/** Reviewer wellbeing: ending reveals, the exposure counter and its admin view, vault authorisations. */
export function createWellbeingHandlers(
  deps: Pick<HandlerDeps, 'ws' | 'settings' | 'users' | 'vault'>,
): HandlersOf<'wellbeing'> {
  const { ws, settings, users } = deps;
  const reveals = revealLogOf(ws);
  const vault = vaultAccessOf(ws, deps.vault);
  return {
    'media.hide': async (input, { user }) => ({
      durationMs: await reveals.end(user, input.revealId, input.how),
    }),
    'exposure.mine': async (_input, { user }) => {
      const today = await reveals.today(user);
      const softLimitMs =
        ((await settings.get()).exposureSoftLimitMinutes ?? DEFAULT_SOFT_LIMIT_MINUTES) * 60_000;
      return { ...today, softLimitMs, overLimit: today.revealedMs >= softLimitMs };
    },
    // The last 30 days unless asked otherwise: the admin view is about recent load, not history.
    'exposure.list': (input) =>
      reveals.perUserDay(input.sinceDay ?? utcDay(new Date(ws.clock().getTime() - 30 * DAY_MS))),
    'vault.authorise': async (input, { user }) => {
      const target = await users.byName(input.name);
      if (target === null) throw new AppError('user.not-found', `no user named ${input.name}`);
      await vault.authorise(target, input.authorised, user.name, input.reason);
      return null;
    },
    'vault.list': (input, { user }) => vault.list(user, input.resourceId),
    'vault.read': (input, { user }) => vault.grantRead(user, input.resourceId, input.sha256),
  };
}
