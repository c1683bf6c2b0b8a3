import type { RestrictedSettings } from '@shared/contract/methods/hashlists';
import { restrictedScreenshotsSetting } from '../capture/capture-media-policy';
import { createHashListService } from '../media/hash-lists';
import { createMediaMatcher } from '../media/media-matcher';
import { createKeyedSettings } from '../settings/keyed-settings';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** Known-hash lists and media assessments: the service holds the rules (who may import, what is valid). */
export function createHashlistsHandlers(deps: Pick<HandlerDeps, 'ws'>): HandlersOf<'hashlists'> {
  const service = createHashListService(deps.ws);
  const keyed = createKeyedSettings(deps.ws);
  const matcher = createMediaMatcher({ ws: deps.ws });
  const restricted = async (): Promise<RestrictedSettings> => ({
    screenshots: await restrictedScreenshotsSetting(keyed),
    pdqDistance: await matcher.pdqThreshold(),
  });
  const versionOf = ({
    seq: _seq,
    ...v
  }: { seq: number } & Awaited<ReturnType<typeof service.list>>[number]) => v;
  return {
    'restricted.settings': () => restricted(),
    'restricted.settings.update': async (input, { user }) => {
      if (input.screenshots !== undefined)
        await keyed.set('restricted.screenshots', input.screenshots, user.name);
      if (input.pdqDistance !== undefined)
        await keyed.set('hashlist.pdqDistance', String(input.pdqDistance), user.name);
      return restricted();
    },
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
