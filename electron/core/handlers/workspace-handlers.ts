import { RevealId } from '@shared/contract/methods/wellbeing';
import { AppError } from '@shared/errors/app-error';
import { artifactOfResource } from '../db/repositories/captures-repo';
import { revealGrantsOf } from '../media/reveal-grants';
import { revealLogOf } from '../media/reveal-log';
import { packetPageImagesOf } from '../packet/packet-page-images';
import { vaultAccessOf } from '../media/vault-access';
import { searchText } from '../search/search-service';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The contract's workspace methods: settings, full-text search, and revealing a blurred image. */
export function createWorkspaceHandlers(
  deps: Pick<HandlerDeps, 'ws' | 'settings' | 'vault'>,
): HandlersOf<'workspace'> {
  const { ws, settings } = deps;
  return {
    'settings.get': () => settings.get(),
    'settings.update': (input, { user }) => settings.update(input, user.name),
    'search.query': (input) => ws.db.read((c) => searchText(c, input.text, input.limit)),
    /** Un-blurring a sensitive image is a view of evidence, so it is a custody event (DESIGN §5). */
    'media.reveal': async (input, { user }) => {
      const known = await ws.db.read((c) => artifactOfResource(c, input.resourceId, input.sha256));
      // A page of the packet preview is revealed like a screenshot; the row names its packet and page.
      const page = known ? null : packetPageImagesOf(ws).lookup(input.sha256);
      // A vault item is revealed only by a user authorised for the vault (its fetch needs a grant too).
      const vault = vaultAccessOf(ws, deps.vault);
      const withheld =
        known || page !== null || !(await vault.isAuthorised(user))
          ? null
          : await vault.withheldOf(input.resourceId, input.sha256);
      const details = known
        ? { captureId: known.captureId, name: known.name }
        : page !== null && page.resourceId === input.resourceId
          ? { packet: page.packetSha256, page: page.page }
          : withheld !== null && withheld.inVault
            ? { captureId: withheld.captureId, vault: true, url: withheld.url }
            : null;
      if (details === null)
        throw new AppError('evidence.not-found', 'no such image among this resource’s captures');
      const revealId = await revealLogOf(ws).start(user, input.resourceId, input.sha256, details);
      // The artifact servers hand out a sensitive original only against this grant, once, after the row above.
      revealGrantsOf(ws).grant(user.id, input.sha256);
      return { revealId: RevealId.parse(revealId) };
    },
  };
}
