import { createHashListService } from '../media/hash-lists';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** Known-hash lists and media assessments: the service holds the rules (who may import, what is valid). */
export function createHashlistsHandlers(deps: Pick<HandlerDeps, 'ws'>): HandlersOf<'hashlists'> {
  const service = createHashListService(deps.ws);
  const versionOf = ({
    seq: _seq,
    ...v
  }: { seq: number } & Awaited<ReturnType<typeof service.list>>[number]) => v;
  return {
    'hashlists.list': async () => (await service.list()).map(versionOf),
    'hashlists.import': async (input, { user }) => {
      const { format: _format, ...imported } = await service.importText({
        ...input,
        actor: user.name,
        role: user.role,
      });
      return versionOf(imported);
    },
    'media.assess': async (input, { user }) => {
      const { seq: _seq, ...recorded } = await service.assess({
        ...input,
        actor: user.name,
        role: user.role,
      });
      return recorded;
    },
  };
}
