import { packetPageImagesOf } from '../packet/packet-page-images';
import { renderResourcePacket, withPacketBrowser } from '../review/packet-service';
import { createReview } from '../review/review-service';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/**
 * The contract's review methods. The reviewer is always the signed-in user: `review.decide` unlocks
 * that user's key with the password in the request and nobody else's. `packet.render` signs the packet
 * only when a password is given and the signed-in user is the reviewer who signed the latest decision
 * (the decision record the packet embeds is signed either way); anyone else gets an unsigned packet.
 */
export function createReviewHandlers(
  deps: Pick<HandlerDeps, 'ws' | 'users' | 'settings' | 'env'>,
): HandlersOf<'review'> {
  const { catalogue, decisions } = createReview(deps);
  return {
    'basis.list': () => catalogue.list(),
    'basis.save': async (input, { user }) => {
      await catalogue.ensureLoaded();
      return catalogue.save(input, user.name);
    },
    'review.list': () => decisions.awaitingReview(),
    'review.request': async (input, { user }) => {
      await decisions.requestReview(input.resourceId, user.name, user.role);
      return null;
    },
    'review.decide': (input, { user }) =>
      decisions.decide(input.resourceId, input.decision, user.name, input.password),
    'decisions.get': (input) => decisions.get(input.id),
    'packet.render': async (input, { user }) => {
      const actor = user.name;
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
        copy: packet.copy,
        warnings: [...packet.warnings],
      };
    },
    'packet.pages': async (input) => {
      const { minors, pages } = await packetPageImagesOf(deps.ws).pagesOf(input.resourceId, input.sha256);
      const settings = await deps.settings.get();
      // The same rule the artifact servers apply when the page is requested (they decide again then).
      return pages.map((p) => ({
        page: p.page,
        sha256: p.sha256,
        width: p.width,
        height: p.height,
        sensitive: p.hasImages && (minors || settings.blurAllMedia),
      }));
    },
  };
}
