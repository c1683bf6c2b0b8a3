import { liftSuspectedCsam, raiseSuspectedCsam } from '../review/suspected-csam-flag';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/** The suspected_csam flag: raised by investigators and admins, lifted by an admin (the service checks). */
export function createFlagsHandlers(deps: Pick<HandlerDeps, 'ws'>): HandlersOf<'flags'> {
  const { ws } = deps;
  return {
    'resources.flag': (input, { user }) =>
      input.action === 'raise'
        ? raiseSuspectedCsam(ws, { resourceId: input.resourceId, reason: input.reason, actor: user.name })
        : liftSuspectedCsam(ws, {
            resourceId: input.resourceId,
            reason: input.reason,
            actor: user.name,
            role: user.role,
          }),
  };
}
