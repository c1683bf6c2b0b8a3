import { createBundleService } from '../bundle/bundle-service';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The contract's bundle methods; the signed-in user is the actor in the custody log. */
export function createBundleHandlers(deps: Pick<HandlerDeps, 'ws' | 'settings'>): HandlersOf<'bundle'> {
  const service = createBundleService(deps.ws, deps.settings);
  return {
    'bundle.export': (input, { user }) =>
      service.export(
        {
          ...(input.caseRef !== undefined ? { caseRef: input.caseRef } : {}),
          ...(input.resourceIds !== undefined ? { resourceIds: input.resourceIds } : {}),
        },
        {
          ...(input.outPath !== undefined ? { outPath: input.outPath } : {}),
          asDirectory: input.asDirectory,
          actor: user.name,
        },
      ),
    'bundle.verify': (input, { user }) => service.verify(input.path, user.name),
    'bundle.import': async (input, { user }) => {
      const result = await service.import(input.path, user.name);
      return {
        report: result.report,
        imported: result.imported,
        resources: result.resources,
        captures: result.captures,
      };
    },
  };
}
