import { UserName } from '@shared/domain/users';
import { AppError } from '@shared/errors/app-error';
import { readStoredSession, removeStoredSession, sessionsOf, writeStoredSession } from '../cli-identity';
import { print } from '../cli-helpers';
import { EXIT, type CliCommand } from '../cli-types';

/** `vigil login` / `vigil logout`: a session token that proves `--as USER` for a bounded time. */

const login: CliCommand = {
  path: ['login'],
  usage: 'login USER [--password-stdin] [--print-token] [--json]',
  summary:
    'prove who you are once: a session token for `--as USER` (kept 0600 in the data dir, or printed for VIGIL_SESSION); expires after 8 h idle, 24 h at most',
  options: { 'print-token': { type: 'boolean' } },
  async run(ctx) {
    const [name, ...extra] = ctx.positionals;
    const parsedName = UserName.safeParse(name);
    if (!parsedName.success || extra.length > 0)
      throw new AppError('input.invalid', 'usage: vigil login USER [--password-stdin] [--print-token]');
    const backend = await ctx.backend();
    const password = await ctx.password(`password of ${parsedName.data}: `);
    const session = await sessionsOf(backend).login(parsedName.data, password);
    const printOnly = ctx.values['print-token'] === true;
    if (printOnly) {
      // Scripts: `export VIGIL_SESSION=$(vigil login USER --password-stdin --print-token)`.
      if (ctx.json)
        print(
          ctx,
          {
            user: session.user.name,
            token: session.token,
            expiresAt: session.expiresAt,
            idleExpiresAt: session.idleExpiresAt,
            stored: null,
          },
          '',
        );
      else ctx.io.stdout(`${session.token}\n`);
      return EXIT.ok;
    }
    // One stored login per data dir: signing in replaces (and ends) the previous one.
    const previous = await readStoredSession(ctx.dataDir);
    if (previous !== null) await sessionsOf(backend).logout(previous.token);
    const path = await writeStoredSession(ctx.dataDir, session.user.name, session.token);
    print(
      ctx,
      {
        user: session.user.name,
        expiresAt: session.expiresAt,
        idleExpiresAt: session.idleExpiresAt,
        stored: path,
      },
      `signed in as ${session.user.name} until ${session.idleExpiresAt} if idle, ${session.expiresAt} at the latest; the session is in ${path} (0600): \`vigil --as ${session.user.name} …\` now acts as ${session.user.name}; \`vigil logout\` ends it`,
    );
    return EXIT.ok;
  },
};

const logout: CliCommand = {
  path: ['logout'],
  usage: 'logout [--json]',
  summary: 'end the stored `vigil login` session and the one in VIGIL_SESSION',
  async run(ctx) {
    const backend = await ctx.backend();
    const sessions = sessionsOf(backend);
    const ended: string[] = [];
    const env = ctx.io.env.VIGIL_SESSION;
    if (typeof env === 'string' && env !== '' && (await sessions.logout(env))) ended.push('VIGIL_SESSION');
    const stored = await readStoredSession(ctx.dataDir);
    if (stored !== null) {
      if (await sessions.logout(stored.token)) ended.push(`the stored session of ${stored.user}`);
      await removeStoredSession(ctx.dataDir);
    }
    print(ctx, { ended }, ended.length === 0 ? 'no open session' : `ended ${ended.join(' and ')}`);
    return EXIT.ok;
  },
};

export const SESSION_COMMANDS: readonly CliCommand[] = [login, logout];
