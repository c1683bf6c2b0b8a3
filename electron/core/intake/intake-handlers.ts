import { AppError } from '../../../shared/errors/app-error';
import type { CallContext, Handlers } from '../rpc/dispatch';
import type { Workspace } from '../workspace';
import { createIntakeService } from './intake-service';

export type IntakeHandlers = Required<
  Pick<
    Handlers,
    | 'reports.add'
    | 'reports.previewImport'
    | 'reports.import'
    | 'resources.list'
    | 'resources.get'
    | 'dashboard.stats'
  >
>;

const userOf = (ctx: CallContext) => {
  // dispatch() has already refused anonymous callers of these methods; this only narrows the type.
  const user = ctx.session.user;
  if (user === null) throw new AppError('auth.not-signed-in', 'sign in first');
  return user;
};

/**
 * The intake part of the contract. Private addresses are always refused here: the contract has no
 * per-call switch for them, and the UI is the last place to let a reported link reach the local network
 * (the CLI's `--allow-private-network` calls the service directly).
 */
export function createIntakeHandlers(ws: Workspace): IntakeHandlers {
  const intake = createIntakeService(ws);
  return {
    'reports.add': (input, ctx) => intake.addReport(input, { actor: userOf(ctx).name }),
    'reports.previewImport': (input, ctx) => intake.previewImport(input, { actor: userOf(ctx).name }),
    'reports.import': (input, ctx) => intake.importReports(input, { actor: userOf(ctx).name }),
    'resources.list': (input) => intake.listResources(input),
    'resources.get': (input, ctx) => intake.getResource(input.id, userOf(ctx).role),
    'dashboard.stats': (_input, ctx) => intake.dashboard(userOf(ctx).role),
  };
}
