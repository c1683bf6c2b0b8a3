import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Envelope } from '@shared/contract/envelope';
import { METHODS, isMethodName } from '@shared/contract/index';
import { APP_NAME, APP_VERSION } from './app-info';
import type { Clock } from './clock';
import { listAudit, verifyAudit } from './custody/audit-log';
import type { EventBus } from './events';
import { createBundleHandlers } from './bundle/bundle-handlers';
import { createCaptureHandlers } from './capture/capture-handlers';
import { createCaptureQueue, type CaptureQueue } from './capture/capture-queue';
import { createCaptureService, type CaptureService } from './capture/capture-service';
import { createIntakeHandlers } from './intake/intake-handlers';
import { createReviewHandlers } from './review/review-handlers';
import { createWorkspaceHandlers } from './search/workspace-handlers';
import { createSettingsService, type SettingsService } from './settings/settings-service';
import { dispatch, type Handlers, type Session } from './rpc/dispatch';
import { verifyStore } from './store/verify-store';
import { createUsersService, type UsersService } from './users/users-service';
import { openWorkspace, type Workspace } from './workspace';

export { APP_NAME, APP_VERSION };

export type BackendOptions = Readonly<{
  dataDir: string;
  clock?: Clock;
  workstationName?: string;
  /** Where VIGIL_BROWSER and friends are read from; defaults to the process environment. */
  env?: NodeJS.ProcessEnv;
}>;

export type Backend = Readonly<{
  workspace: Workspace;
  users: UsersService;
  settings: SettingsService;
  captures: CaptureService;
  queue: CaptureQueue;
  events: EventBus;
  handlers: Handlers;
  dispatch: (session: Session, method: string, input: unknown) => Promise<Envelope<unknown>>;
  /**
   * Re-reads the session's user (as every dispatch does) for routes outside the contract — artifact
   * downloads, the event stream — so a disabled user loses them at once too.
   */
  refreshSession: (session: Session, route: string) => Promise<void>;
  close: () => Promise<void>;
}>;

/** Builds the backend on an (initialised if needed) data dir: the same for Electron, the CLI and the bridge. */
export async function createBackend(opts: BackendOptions): Promise<Backend> {
  const { workspace: ws } = await openWorkspace(opts);
  const users = createUsersService(ws);
  const settings = createSettingsService(ws);
  const captures = createCaptureService({ ws, settings, env: opts.env ?? process.env });
  const queue = createCaptureQueue({
    service: captures,
    events: ws.events,
    concurrency: (await settings.get()).captureConcurrency,
  });
  const logFile = join(ws.paths.logs, 'errors.log');

  const handlers: Handlers = {
    ...createIntakeHandlers(ws, settings),
    ...createCaptureHandlers(ws, captures, queue),
    ...createWorkspaceHandlers(ws),
    ...createReviewHandlers({ ws, users, settings, env: opts.env ?? process.env }),
    ...createBundleHandlers(ws, settings),
    'settings.get': () => settings.get(),
    'settings.update': (input, { session }) => settings.update(input, session.user?.name ?? 'unknown'),
    'session.status': async (_input, { session }) => ({
      initialized: (await users.count()) > 0,
      user: session.user,
      app: { name: APP_NAME, version: APP_VERSION },
    }),
    'session.setupAdmin': async (input, { session }) => {
      const user = await users.create({ ...input, role: 'admin' }, 'setup', { onlyIfNone: true });
      session.user = user;
      return user;
    },
    'session.signIn': async (input, { session }) => {
      try {
        const user = await users.authenticate(input.name, input.password);
        session.user = user;
        await ws.record((_tx, audit) =>
          audit({ actor: user.name, action: 'session.signed-in', subject: `user:${user.name}` }),
        );
        return user;
      } catch (error) {
        await ws.record((_tx, audit) =>
          audit({ actor: input.name, action: 'session.sign-in-failed', subject: `user:${input.name}` }),
        );
        throw error;
      }
    },
    'session.signOut': async (_input, { session }) => {
      const name = session.user?.name ?? 'unknown';
      session.user = null;
      await ws.record((_tx, audit) =>
        audit({ actor: name, action: 'session.signed-out', subject: `user:${name}` }),
      );
      return null;
    },
    'users.list': () => users.list(),
    'users.add': (input, { session }) => users.create(input, session.user?.name ?? 'unknown'),
    'users.update': (input, { session }) => users.update(input, session.user?.name ?? 'unknown'),
    'audit.list': (input) => ws.db.read((c) => listAudit(c, input)),
    'audit.verify': async (_input, { session }) => {
      const result = await ws.db.read(async (c) => verifyAudit(c, await ws.readAnchor()));
      await ws.record((_tx, audit) =>
        audit({
          actor: session.user?.name ?? 'unknown',
          action: 'audit.verified',
          subject: 'audit',
          details: { ok: result.ok, rows: result.rows, firstBadSeq: result.firstBadSeq },
        }),
      );
      return result;
    },
    'store.verify': async (_input, { session }) => {
      const result = await verifyStore(ws);
      await ws.record((_tx, audit) =>
        audit({
          actor: session.user?.name ?? 'unknown',
          action: 'store.verified',
          subject: 'store',
          details: { ok: result.ok, checked: result.checked, bad: result.bad.map((b) => b.sha256) },
        }),
      );
      return result;
    },
  };

  const onInternalError = (method: string, error: unknown): void => {
    const line = `${ws.clock().toISOString()} ${method} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
    void appendFile(logFile, line).catch(() => undefined);
  };

  /**
   * A session holds the user as signed in; an admin (here or through the CLI in another process)
   * may have disabled or demoted them since. Every call re-reads the row by primary key, so the
   * change takes effect on the very next call of every open session.
   */
  const refreshSession = async (session: Session, method: string): Promise<Envelope<unknown> | null> => {
    const held = session.user;
    if (held === null) return null;
    const current = await users.current(held.id);
    if (current !== null && !current.disabled) {
      session.user = current;
      return null;
    }
    session.user = null;
    await ws.record((_tx, audit) =>
      audit({
        actor: held.name,
        action: 'session.revoked',
        subject: `user:${held.name}`,
        details: { reason: current === null ? 'user removed' : 'user disabled', method },
      }),
    );
    if (isMethodName(method) && METHODS[method].access === 'public') return null;
    return {
      ok: false,
      error: {
        code: 'auth.not-signed-in',
        message: `the account ${held.name} has been disabled by an administrator; sign in as another user`,
      },
    };
  };

  return {
    workspace: ws,
    users,
    settings,
    captures,
    queue,
    events: ws.events,
    handlers,
    refreshSession: async (session, route) => {
      await refreshSession(session, route);
    },
    dispatch: async (session, method, input) => {
      try {
        const refused = await refreshSession(session, method);
        if (refused !== null) return refused;
      } catch (error) {
        onInternalError(method, error);
        return {
          ok: false,
          error: { code: 'internal.unexpected', message: 'an internal error occurred; see the log' },
        };
      }
      return dispatch(handlers, session, method, input, { onInternalError });
    },
    close: async () => {
      await captures.close();
      await ws.close();
    },
  };
}
