import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import type { Backend } from '../../backend';
import { revealLogOf, utcDay } from '../../media/reveal-log';
import { vaultAccessOf } from '../../media/vault-access';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { refuseOverwrite } from '../out-files';
import { escapeForTerminal as terminalText } from '../terminal-text';
import { osActor } from './foundation-commands';

/**
 * The restricted vault and reviewer exposure from the command line: an administrator grants or
 * withdraws `csam_authorised` (custody events with a reason), an authorised user proven with --as
 * reads one item to a new file (a custody event), and exposure per user per day is printed.
 */

const HEX64 = /^[0-9a-f]{64}$/;
const DAY_MS = 86_400_000;

/** Without --as the CLI acts as the data dir's owner, who administers this workstation. */
async function actingRole(ctx: CliContext, backend: Backend): Promise<{ actor: string; role: Role }> {
  if (ctx.as === null) return { actor: osActor(), role: 'admin' };
  const user = await backend.users.byName(ctx.as);
  if (user === null) throw new AppError('user.not-found', `--as names no user: ${ctx.as}`);
  return { actor: user.name, role: user.role };
}

function authorisation(granted: boolean): CliCommand {
  const verb = granted ? 'authorise' : 'withdraw';
  return {
    path: ['vault', verb],
    usage: `vault ${verb} NAME --reason T [--json]`,
    summary: granted
      ? 'grant NAME the csam_authorised authorisation to read the restricted vault (admin; a custody event)'
      : 'withdraw NAME’s csam_authorised authorisation (admin; a custody event)',
    options: { reason: { type: 'string' } },
    async run(ctx) {
      const [name, ...more] = ctx.positionals;
      if (name === undefined || more.length > 0)
        throw new AppError('input.invalid', 'give exactly one user NAME');
      const reason = str(ctx, 'reason')?.trim() ?? '';
      if (reason.length < 3)
        throw new AppError('input.invalid', '--reason T is required (at least 3 characters)');
      const backend = await ctx.backend();
      const { actor, role } = await actingRole(ctx, backend);
      if (role !== 'admin')
        throw new AppError('auth.forbidden', 'only an administrator grants or withdraws csam_authorised');
      const target = await backend.users.byName(name);
      if (target === null) throw new AppError('user.not-found', `no user named ${name}`);
      await vaultAccessOf(backend.workspace, backend.vault).authorise(target, granted, actor, reason);
      print(
        ctx,
        { name: target.name, authorised: granted },
        `${terminalText(target.name)}: csam_authorised ${granted ? 'GRANTED' : 'WITHDRAWN'}`,
      );
      return EXIT.ok;
    },
  };
}

const vaultRead: CliCommand = {
  path: ['vault', 'read'],
  usage: 'vault read SHA256 --out FILE --as USER',
  summary:
    'decrypt one restricted-vault item to a new FILE (only a proven csam_authorised user; the read is a custody event)',
  options: { out: { type: 'string' } },
  async run(ctx) {
    const [sha256, ...more] = ctx.positionals;
    if (sha256 === undefined || more.length > 0 || !HEX64.test(sha256))
      throw new AppError('input.invalid', 'give exactly one lowercase hex SHA256');
    const out = str(ctx, 'out');
    if (out === undefined) throw new AppError('input.invalid', '--out FILE is required');
    const file = resolve(ctx.io.cwd, out);
    // Never over an existing file, with or without --force: a vault item is not written twice by accident.
    refuseOverwrite([file], false);
    const backend = await ctx.backend();
    const user = ctx.operator?.user ?? null;
    if (user === null)
      throw new AppError(
        'auth.forbidden',
        'reading the vault needs --as USER, proven (a session or --password-stdin)',
      );
    const bytes = await backend.vault.read(sha256, { user });
    // `wx`: fails if the file appeared meanwhile; 0600: the plaintext is for this user only.
    await writeFile(file, bytes, { flag: 'wx', mode: 0o600 });
    print(
      ctx,
      { sha256, bytes: bytes.length, out: file },
      `wrote ${bytes.length} bytes to ${terminalText(file)}`,
    );
    return EXIT.ok;
  },
};

const exposure: CliCommand = {
  path: ['exposure'],
  usage: 'exposure [--user NAME] [--json]',
  summary:
    'revealed time per user per UTC day, last 30 days (an administrator sees everyone, anyone else only themself)',
  options: { user: { type: 'string' } },
  async run(ctx) {
    const backend = await ctx.backend();
    const { actor, role } = await actingRole(ctx, backend);
    const asked = str(ctx, 'user');
    const who = role === 'admin' ? asked : (asked ?? actor);
    if (role !== 'admin' && who !== actor)
      throw new AppError('auth.forbidden', 'only an administrator sees another user’s exposure');
    if (who !== undefined && (await backend.users.byName(who)) === null)
      throw new AppError('user.not-found', `no user named ${who}`);
    const since = utcDay(new Date(backend.workspace.clock().getTime() - 30 * DAY_MS));
    const rows = (await revealLogOf(backend.workspace).perUserDay(since)).filter(
      (r) => who === undefined || r.userName === who,
    );
    const minutes = (ms: number) => (ms / 60_000).toFixed(1);
    print(
      ctx,
      rows,
      rows
        .map(
          (r) =>
            `${r.day}  ${terminalText(r.userName)}  ${minutes(r.revealedMs)} min revealed  ${r.reveals} reveal${r.reveals === 1 ? '' : 's'}${r.open > 0 ? `  ${r.open} still open` : ''}`,
        )
        .join('\n') || 'no reveals in the last 30 days',
    );
    return EXIT.ok;
  },
};

export const VAULT_COMMANDS: readonly CliCommand[] = [
  authorisation(true),
  authorisation(false),
  vaultRead,
  exposure,
];
