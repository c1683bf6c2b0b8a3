import { describe, expect, it } from 'vitest';
import { dispatch, type PartialHandlers } from '@core/rpc/dispatch';
import { storeErrorOf } from '@core/store/store-errors';
import type { UserId } from '@shared/domain/ids';
import type { User } from '@shared/domain/users';

const admin: User = {
  id: 'usr_0000000000abcdefabcdefabcd' as UserId,
  name: 'a',
  displayName: 'A',
  role: 'admin',
  createdAt: '2026-11-22T10:00:00.000Z',
  disabled: false,
  certificateSha256: 'x',
};

/** What the sqlite3 addon throws when a write finds no room left. */
const sqliteFull = () =>
  Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });

const handlers: PartialHandlers = {
  'users.list': () => Promise.reject(sqliteFull()),
  'audit.verify': () => Promise.reject(new Error('disk on fire')),
};

const opts = (logged: string[]) => ({
  onInternalError: (method: string) => logged.push(method),
  environmentError: (error: unknown) => storeErrorOf(error, '/srv/vigil-data', '/srv/vigil-data/vigil.db'),
});

describe('dispatch with the store-error mapping', () => {
  it('answers a full disk with store.disk-full naming the data dir, and logs no internal error', async () => {
    const logged: string[] = [];
    const reply = await dispatch(handlers, { user: admin }, 'users.list', {}, opts(logged));
    expect(reply).toMatchObject({ ok: false, error: { code: 'store.disk-full' } });
    expect(reply.ok ? '' : reply.error.message).toContain('/srv/vigil-data');
    expect(logged).toEqual([]);
  });

  it('still hides any other failure behind internal.unexpected', async () => {
    const logged: string[] = [];
    const reply = await dispatch(handlers, { user: admin }, 'audit.verify', {}, opts(logged));
    expect(reply).toMatchObject({ ok: false, error: { code: 'internal.unexpected' } });
    expect(logged).toEqual(['audit.verify']);
  });
});
