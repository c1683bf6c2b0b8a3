import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { MigrationReport } from '@shared/contract/methods/migration';
import { User } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { migrateToServer } from '../../migrate-server/migrate-client';
import { connectTeamServer, type TeamServerClient } from '../../remote/remote-client';
import { print, str } from '../cli-helpers';
import { EXIT, type CliCommand, type CliContext } from '../cli-types';

/**
 * `vigil migrate-to-server`: this workstation's records and blobs into a team server, verified there.
 * The command has its own --server, so it runs here against the local data dir (read only, through a
 * snapshot), never as a remote command.
 */

function requiredOption(ctx: CliContext, name: string, example: string): string {
  const value = str(ctx, name);
  if (value === undefined || value.trim() === '')
    throw new AppError('input.invalid', `--${name} is required (${example})`);
  return value;
}

async function caOf(ctx: CliContext): Promise<string | undefined> {
  const file = str(ctx, 'ca') ?? ctx.io.env.VIGIL_SERVER_CA;
  if (file === undefined || file === '') return undefined;
  return readFile(resolve(ctx.io.cwd, file), 'utf8').catch((error: Error) => {
    throw new AppError('input.invalid', `cannot read --ca ${file}: ${error.message}`);
  });
}

/** As for every command on a team server: --password-stdin, then VIGIL_PASSWORD, then a prompt. */
async function passwordOf(ctx: CliContext, name: string): Promise<string> {
  const fromEnv = ctx.io.env.VIGIL_PASSWORD;
  if (ctx.values['password-stdin'] !== true && typeof fromEnv === 'string' && fromEnv !== '') return fromEnv;
  return ctx.password(`password of ${name} on the team server: `);
}

async function signedInAdmin(ctx: CliContext, client: TeamServerClient, name: string): Promise<void> {
  const reply = await client.signIn(name, await passwordOf(ctx, name));
  if (!reply.ok) throw new AppError(reply.error.code, reply.error.message);
  const user = User.safeParse(reply.value);
  if (!user.success)
    throw new AppError('rpc.invalid-output', "the team server's sign-in reply does not match the contract");
  if (user.data.role !== 'admin')
    throw new AppError('auth.forbidden', `${name} is not an administrator of the team server`);
}

function describe(report: MigrationReport): string {
  const rows = report.tables
    .filter((t) => t.source > 0)
    .map(
      (t) =>
        `  ${t.table}: ${t.source}${t.alreadyThere > 0 ? ` (${t.alreadyThere} already on the server, compared equal)` : ''}`,
    );
  return [
    `migrated and verified on the team server${report.resumed ? ' (resumed)' : ''}: migration ${report.migrationId}`,
    ...rows,
    `  blobs: ${report.blobs.count} (${report.blobs.bytes} bytes), ${report.blobs.verified} re-hashed on the server`,
    `  captures: ${report.captures.signaturesVerified} manifest signatures verified`,
    `  decisions: ${report.decisions.signaturesVerified} reviewer signatures verified`,
    `  custody log: ${report.custody.sourceRows} rows archived as ${report.custody.archiveSha256}, recorded as event ${report.custody.eventSeq} (workspace.migrated)`,
    `  the workstation's CA ${report.caSha256} is trusted as an origin`,
  ].join('\n');
}

const migrateToServerCommand: CliCommand = {
  path: ['migrate-to-server'],
  usage: 'migrate-to-server --server URL --user ADMIN [--ca FILE] [--password-stdin] [--json]',
  summary:
    "copy this data dir's records and blobs into an empty team server and verify them there (run again to resume)",
  options: { server: { type: 'string' }, user: { type: 'string' }, ca: { type: 'string' } },
  stdinPassword: 'other',
  async run(ctx) {
    const url = requiredOption(ctx, 'server', 'https://HOST:PORT of the team server');
    const name = requiredOption(ctx, 'user', 'an administrator of the team server');
    const ca = await caOf(ctx);
    const client = connectTeamServer(ca === undefined ? { url } : { url, ca });
    try {
      await signedInAdmin(ctx, client, name);
      const report = await migrateToServer(client, ctx.dataDir, (stage) => {
        if (!ctx.json) ctx.io.stderr(`${stage}\n`);
      });
      print(ctx, report, describe(report));
      return EXIT.ok;
    } finally {
      if (client.signedIn()) await client.signOut().catch(() => undefined);
      client.close();
    }
  },
};

export const MIGRATE_COMMANDS: CliCommand[] = [migrateToServerCommand];
