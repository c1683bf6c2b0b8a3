import { referralServices } from '../referrals/referrals-backend';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** Recipients, referrals and appeals over RPC: the same services as the CLI, acting as the session's user. */
export function createReferralsHandlers(
  deps: Pick<HandlerDeps, 'ws' | 'users' | 'settings' | 'env'>,
): HandlersOf<'referrals'> {
  const { referrals, appeals } = referralServices(deps, deps.env);
  const acting = (user: { name: string; role: 'investigator' | 'reviewer' | 'admin' }) => ({
    actor: user.name,
    role: user.role,
  });
  return {
    'recipients.list': () => referrals.listRecipients(),
    'recipients.add': (input, { user }) => referrals.addRecipient(input, acting(user)),
    'recipients.verify': (input, { user }) => referrals.verifyRecipient(input.name, acting(user)),
    'referrals.templates': async () =>
      [...(await referrals.templates()).values()].map((t) => ({
        id: t.id,
        version: t.version,
        title: t.title,
        deadline: t.deadline,
        sendOutsideHours: t.sendOutsideHours,
      })),
    'referrals.list': (input) =>
      referrals.list(input.resourceId === undefined ? {} : { resourceId: input.resourceId }),
    'referrals.history': (input) => referrals.history(input.referralId),
    'referrals.create': (input, { user }) =>
      referrals.create(
        input.resourceId,
        { recipient: input.recipient, regime: input.regime, attachBundle: input.attachBundle },
        acting(user),
      ),
    'referrals.dispatch': (input, { user }) =>
      referrals.dispatch(input.referralId, { deliveredRef: input.deliveredRef }, acting(user)),
    'referrals.remind': (input, { user }) => referrals.remind(input.referralId, acting(user)),
    'referrals.escalate': (input, { user }) =>
      referrals.escalate(
        input.referralId,
        { recipient: input.recipient, regime: input.regime },
        acting(user),
      ),
    'referrals.send': (input, { user }) =>
      referrals.send(input.referralId, { deliveredRef: input.deliveredRef, kind: input.kind }, acting(user)),
    'referrals.record': (input, { user }) =>
      referrals.record(
        input.referralId,
        input.state,
        { reason: input.reason, note: input.note },
        acting(user),
      ),
    'appeals.list': (input) => appeals.list(input.resourceId),
    'appeals.add': (input, { user }) =>
      appeals.add(input.resourceId, { text: input.text, byName: input.byName }, acting(user)),
    'appeals.decide': (input, { user }) =>
      appeals.decide(
        input.appealId,
        { outcome: input.outcome, explanation: input.explanation },
        user.name,
        input.password,
      ),
  };
}
