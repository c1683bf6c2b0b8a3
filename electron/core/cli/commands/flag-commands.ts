import { AppError } from '@shared/errors/app-error';
import { liftSuspectedCsam, raiseSuspectedCsam, type SuspectedCsam } from '@core/review/suspected-csam-flag';
import { EXIT, type CliCommand } from '../cli-types';
import { print, str } from '../cli-helpers';
import { actingRole } from './review-commands';

const stateText = (id: string, s: SuspectedCsam): string =>
  s.last === null
    ? `${id}  not flagged`
    : `${id}  suspected_csam ${s.flagged ? 'RAISED' : 'lifted'}  ${s.last.at}  by ${s.last.actor} (${s.last.source}): ${s.last.reason}`;

/**
 * `vigil flag RES --suspected-csam --reason T` raises the flag (the resource is then captured
 * restricted: media hashed, never kept); `--lift --reason T` lifts it, by an admin only. Both are
 * custody events; nothing else changes or removes a flag.
 */
const flag: CliCommand = {
  path: ['flag'],
  usage: 'flag RESOURCE (--suspected-csam | --lift) --reason TEXT [--json]',
  summary:
    'raise the suspected_csam flag of a resource (restricted capture), or lift it (admin, with a reason)',
  options: { 'suspected-csam': { type: 'boolean' }, lift: { type: 'boolean' }, reason: { type: 'string' } },
  async run(ctx) {
    const [id, extra] = ctx.positionals;
    if (id === undefined || extra !== undefined)
      throw new AppError('input.invalid', 'give exactly one RESOURCE id');
    const raise = ctx.values['suspected-csam'] === true;
    const lift = ctx.values['lift'] === true;
    if (raise === lift) throw new AppError('input.invalid', 'give one of --suspected-csam or --lift');
    const reason = str(ctx, 'reason');
    if (reason === undefined || reason.trim() === '')
      throw new AppError('input.invalid', '--reason TEXT is required');
    const backend = await ctx.backend();
    const { actor, role } = await actingRole(ctx, backend);
    const state = raise
      ? await raiseSuspectedCsam(backend.workspace, { resourceId: id, reason, actor })
      : await liftSuspectedCsam(backend.workspace, { resourceId: id, reason, actor, role });
    print(ctx, { resourceId: id, suspectedCsam: state.flagged, last: state.last }, stateText(id, state));
    return EXIT.ok;
  },
};

export const FLAG_COMMANDS: readonly CliCommand[] = [flag];
