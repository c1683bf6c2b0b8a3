import { AppError } from '@shared/errors/app-error';
import type { Handlers } from '../rpc/dispatch';
import type { SettingsService } from '../settings/settings-service';
import type { UsersService } from '../users/users-service';
import type { Workspace } from '../workspace';
import { createDecisionService, type DecisionService } from './decision-service';
import { createLegalBasisCatalogue, type LegalBasisCatalogue } from './legal-basis-catalogue';
import { renderResourcePacket, withPacketBrowser } from './packet-service';

export type ReviewDeps = Readonly<{
  ws: Workspace;
  users: UsersService;
  settings: SettingsService;
  /** Where VIGIL_BROWSER is read from for packet rendering. */
  env: NodeJS.ProcessEnv;
}>;

export type Review = Readonly<{ catalogue: LegalBasisCatalogue; decisions: DecisionService }>;

/** The review area's services over one workspace (used by the contract handlers and the CLI). */
export function createReview(deps: ReviewDeps): Review {
  const catalogue = createLegalBasisCatalogue(deps.ws);
  const decisions = createDecisionService({ ...deps, catalogue });
  return { catalogue, decisions };
}

type ReviewHandlers = Required<
  Pick<
    Handlers,
    | 'basis.list'
    | 'basis.save'
    | 'review.list'
    | 'review.request'
    | 'review.decide'
    | 'decisions.get'
    | 'packet.render'
  >
>;

const actorOf = (user: { name: string } | null): string => {
  if (user === null) throw new AppError('auth.not-signed-in', 'sign in first');
  return user.name;
};

/**
 * The contract's review methods. The reviewer is always the signed-in user: `review.decide` unlocks
 * that user's key with the password in the request and nobody else's. `packet.render` signs the packet
 * only when a password is given and the signed-in user is the reviewer who signed the latest decision
 * (the decision record the packet embeds is signed either way); anyone else gets an unsigned packet.
 */
export function createReviewHandlers(deps: ReviewDeps): ReviewHandlers {
  const { catalogue, decisions } = createReview(deps);
  return {
    'basis.list': () => catalogue.list(),
    'basis.save': async (input, { session }) => {
      await catalogue.ensureLoaded();
      return catalogue.save(input, actorOf(session.user));
    },
    'review.list': () => decisions.awaitingReview(),
    'review.request': async (input, { session }) => {
      const user = session.user;
      if (user === null) throw new AppError('auth.not-signed-in', 'sign in first');
      await decisions.requestReview(input.resourceId, user.name, user.role);
      return null;
    },
    'review.decide': (input, { session }) =>
      decisions.decide(input.resourceId, input.decision, actorOf(session.user), input.password),
    'decisions.get': (input) => decisions.get(input.id),
    'packet.render': async (input, { session }) => {
      const actor = actorOf(session.user);
      const latest = input.password === undefined ? null : await decisions.latestFor(input.resourceId);
      // The key is unlocked before anything is rendered: a wrong password stores nothing.
      const signer =
        input.password !== undefined && latest !== null && latest.reviewer.name === actor
          ? await deps.users.unlockSigningKey(actor, input.password)
          : undefined;
      const packet = await withPacketBrowser(deps.ws, deps.settings, deps.env, (browser) =>
        renderResourcePacket({ ws: deps.ws, settings: deps.settings, browser }, input.resourceId, {
          actor,
          ...(input.language ? { language: input.language } : {}),
          ...(signer ? { signer } : {}),
        }),
      );
      return {
        sha256: packet.sha256,
        pages: packet.pages,
        bytes: packet.bytes,
        signed: packet.signedBy !== null,
      };
    },
  };
}
