import { AppError } from '@shared/errors/app-error';
import type { CallContext, Handlers } from '../rpc/dispatch';
import type { SettingsService } from '../settings/settings-service';
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
 * The intake part of the contract. Private addresses are refused unless an admin allowed them for this
 * workstation (`settings.allowPrivateNetwork`); the contract has no per-call switch, so a reported link
 * can't talk its way into the local network (the CLI's `--allow-private-network` calls the service directly).
 */
export function createIntakeHandlers(ws: Workspace, settings: SettingsService): IntakeHandlers {
  const intake = createIntakeService(ws);
  const opts = async (ctx: CallContext) => ({
    actor: userOf(ctx).name,
    allowPrivateNetwork: (await settings.get()).allowPrivateNetwork,
  });
  return {
    'reports.add': async (input, ctx) => intake.addReport(input, await opts(ctx)),
    'reports.previewImport': async (input, ctx) => intake.previewImport(input, await opts(ctx)),
    'reports.import': async (input, ctx) => intake.importReports(input, await opts(ctx)),
    'resources.list': (input) => intake.listResources(input),
    'resources.get': (input, ctx) => intake.getResource(input.id, userOf(ctx).role),
    'dashboard.stats': (_input, ctx) => intake.dashboard(userOf(ctx).role),
  };
}
