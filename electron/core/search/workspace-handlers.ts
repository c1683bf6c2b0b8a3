import { AppError } from '@shared/errors/app-error';
import { artifactOfResource } from '../db/repositories/captures-repo';
import type { Handlers } from '../rpc/dispatch';
import type { Workspace } from '../workspace';
import { searchText } from './search-service';

type WorkspaceHandlers = Required<Pick<Handlers, 'search.query' | 'media.reveal'>>;

export function createWorkspaceHandlers(ws: Workspace): WorkspaceHandlers {
  return {
    'search.query': (input) => ws.db.read((c) => searchText(c, input.text, input.limit)),
    /** Un-blurring a sensitive image is a view of evidence, so it is a custody event (DESIGN §5). */
    'media.reveal': async (input, { session }) => {
      const known = await ws.db.read((c) => artifactOfResource(c, input.resourceId, input.sha256));
      if (!known) throw new AppError('evidence.not-found', 'no such image among this resource’s captures');
      await ws.record((_tx, audit) =>
        audit({
          actor: session.user?.name ?? 'unknown',
          action: 'media.revealed',
          subject: `resource:${input.resourceId}`,
          details: { sha256: input.sha256, captureId: known.captureId, name: known.name },
        }),
      );
      return null;
    },
  };
}
