import { resolve } from 'node:path';
import type { Role } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import type { Backend } from '../../backend';
import { createHashListService } from '../../media/hash-lists';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';
import { escapeForTerminal as terminalText } from '../terminal-text';
import { osActor } from './foundation-commands';

/** Known-hash lists: an administrator imports them (each a new version and a custody event) and lists them. */

/** Without --as the CLI acts as the data dir's owner, who administers this workstation. */
async function actingRole(ctx: CliContext, backend: Backend): Promise<{ actor: string; role: Role }> {
  if (ctx.as === null) return { actor: osActor(), role: 'admin' };
  const user = await backend.users.byName(ctx.as);
  if (user === null) throw new AppError('user.not-found', `--as names no user: ${ctx.as}`);
  return { actor: user.name, role: user.role };
}

const hashlistImport: CliCommand = {
  path: ['hashlist', 'import'],
  usage: 'hashlist import FILE --name NAME [--source S] [--list-version V] [--json]',
  summary:
    'import a known-hash list (CSV or JSON with sha256, md5, pdq, label) as a new version of NAME (admin; a custody event)',
  options: { name: { type: 'string' }, source: { type: 'string' }, 'list-version': { type: 'string' } },
  async run(ctx) {
    const [file, ...more] = ctx.positionals;
    if (file === undefined || more.length > 0) throw new AppError('input.invalid', 'give exactly one FILE');
    const name = str(ctx, 'name');
    if (name === undefined) throw new AppError('input.invalid', '--name NAME is required');
    const backend = await ctx.backend();
    const { actor, role } = await actingRole(ctx, backend);
    const imported = await createHashListService(backend.workspace).importFile(resolve(ctx.io.cwd, file), {
      name,
      source: str(ctx, 'source'),
      version: str(ctx, 'list-version'),
      actor,
      role,
    });
    print(
      ctx,
      imported,
      `imported ${terminalText(imported.name)} version ${imported.version}: ${imported.entryCount} entr${imported.entryCount === 1 ? 'y' : 'ies'} (${imported.format}, file sha256 ${imported.fileSha256})`,
    );
    return EXIT.ok;
  },
};

const hashlistList: CliCommand = {
  path: ['hashlist', 'list'],
  usage: 'hashlist list [--json]',
  summary: 'every imported version of every known-hash list (the newest version of each name is matched)',
  async run(ctx) {
    const backend = await ctx.backend();
    const { role } = await actingRole(ctx, backend);
    if (role !== 'admin' && role !== 'reviewer')
      throw new AppError('auth.forbidden', 'only an administrator or a reviewer lists hash lists');
    const lists = await createHashListService(backend.workspace).list();
    print(
      ctx,
      lists,
      lists
        .map(
          (l) =>
            `${terminalText(l.name)}  v${l.version}  ${l.entryCount} entries  imported ${l.importedAt} by ${terminalText(l.importedBy)}  ${terminalText(l.source || '(no source given)')}  sha256 ${l.fileSha256}`,
        )
        .join('\n') || 'no hash list is imported',
    );
    return EXIT.ok;
  },
};

export const HASHLIST_COMMANDS: readonly CliCommand[] = [hashlistImport, hashlistList];
