import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Envelope } from '../../shared/contract/envelope';
import type { Clock } from './clock';
import { listAudit, verifyAudit } from './custody/audit-log';
import type { EventBus } from './events';
import { dispatch, type Handlers, type Session } from './rpc/dispatch';
import { verifyStore } from './store/verify-store';
import { createUsersService, type UsersService } from './users/users-service';
import { openWorkspace, type Workspace } from './workspace';

export const APP_NAME = 'Vigil';
export const APP_VERSION = '0.1.0';

export type BackendOptions = Readonly<{ dataDir: string; clock?: Clock; workstationName?: string }>;

export type Backend = Readonly<{
  workspace: Workspace;
  users: UsersService;
  events: EventBus;
  handlers: Handlers;
  dispatch: (session: Session, method: string, input: unknown) => Promise<Envelope<unknown>>;
  close: () => Promise<void>;
}>;

/** Builds the backend on an (initialised if needed) data dir: the same for Electron, the CLI and the bridge. */
export async function createBackend(opts: BackendOptions): Promise<Backend> {
  const { workspace: ws } = await openWorkspace(opts);
  const users = createUsersService(ws);
  const logFile = join(ws.paths.logs, 'errors.log');

  const handlers: Handlers = {
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

  return {
    workspace: ws,
    users,
    events: ws.events,
    handlers,
    dispatch: (session, method, input) =>
      dispatch(handlers, session, method, input, {
        onInternalError: (method, error) => {
          const line = `${ws.clock().toISOString()} ${method} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
          void appendFile(logFile, line).catch(() => undefined);
        },
      }),
    close: () => ws.close(),
  };
}
