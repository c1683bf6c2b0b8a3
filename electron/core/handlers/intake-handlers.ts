import type { User } from '@shared/domain/users';
import { createIntakeService } from '../intake/intake-service';
import { INTAKE_FLAG_REASON, raiseSuspectedCsam, suspectedCsamOf } from '../review/suspected-csam-flag';
import type { HandlerDeps } from './handler-deps';
import type { HandlersOf } from './namespaces';

/**
 * The intake part of the contract. Private addresses are refused unless an admin allowed them for this
 * workstation (`settings.allowPrivateNetwork`); the contract has no per-call switch, so a reported link
 * can't talk its way into the local network (the CLI's `--allow-private-network` calls the service directly).
 */
export function createIntakeHandlers(deps: Pick<HandlerDeps, 'ws' | 'settings'>): HandlersOf<'intake'> {
  const intake = createIntakeService(deps.ws);
  const opts = async (user: User) => ({
    actor: user.name,
    allowPrivateNetwork: (await deps.settings.get()).allowPrivateNetwork,
  });
  return {
    'reports.add': async (input, { user }) => {
      const added = await intake.addReport(input, await opts(user));
      if (input.suspectedCsam === true)
        await raiseSuspectedCsam(deps.ws, {
          resourceId: added.resource.id,
          reason: INTAKE_FLAG_REASON,
          actor: user.name,
          source: 'intake',
        });
      return added;
    },
    'reports.previewImport': async (input, { user }) => intake.previewImport(input, await opts(user)),
    'reports.import': async (input, { user }) => intake.importReports(input, await opts(user)),
    'resources.list': (input) => intake.listResources(input),
    'resources.get': async (input, { user }) => ({
      ...(await intake.getResource(input.id, user.role)),
      suspectedCsam: await deps.ws.db.read((c) => suspectedCsamOf(c, input.id)),
    }),
    'dashboard.stats': (_input, { user }) => intake.dashboard(user.role),
  };
}
