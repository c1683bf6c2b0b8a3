import { describe, expect, it } from 'vitest';
import { dispatch, type PartialHandlers, type Session } from '@core/rpc/dispatch';
import type { User } from '@shared/domain/users';
import type { UserId } from '@shared/domain/ids';

const user = (role: User['role']): User => ({
  id: 'usr_0000000000abcdefabcdefabcd' as UserId,
  name: 'u',
  displayName: 'U',
  role,
  createdAt: '2026-11-22T10:00:00.000Z',
  disabled: false,
  certificateSha256: 'x',
});

const handlers: PartialHandlers = {
  'users.list': () => Promise.resolve([]),
  'users.add': () => Promise.resolve({ nonsense: true } as never),
  'audit.verify': () => Promise.reject(new Error('disk on fire')),
};

describe('dispatch', () => {
  it('refuses unknown methods', async () => {
    expect(await dispatch(handlers, { user: null }, 'nope', {})).toMatchObject({
      ok: false,
      error: { code: 'rpc.unknown-method' },
    });
  });

  it('checks sign-in and role before validating or running anything', async () => {
    expect(await dispatch(handlers, { user: null }, 'users.list', {})).toMatchObject({
      ok: false,
      error: { code: 'auth.not-signed-in' },
    });
    const s: Session = { user: user('investigator') };
    expect(await dispatch(handlers, s, 'users.add', { name: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'auth.forbidden' },
    });
  });

  it('validates input with the contract and names the bad field', async () => {
    const reply = await dispatch(handlers, { user: user('admin') }, 'audit.list', { limit: 0 });
    expect(reply).toMatchObject({
      ok: false,
      error: { code: 'rpc.invalid-input', details: [expect.objectContaining({ path: 'limit' })] },
    });
    expect(await dispatch(handlers, { user: user('admin') }, 'users.list', { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'rpc.invalid-input' },
    });
  });

  it('validates output so a backend bug never reaches the UI as data', async () => {
    const reply = await dispatch(handlers, { user: user('admin') }, 'users.add', {
      name: 'newuser',
      role: 'admin',
      password: 'long enough password',
    });
    expect(reply).toMatchObject({ ok: false, error: { code: 'rpc.invalid-output' } });
  });

  it('hides unexpected errors behind a generic message and reports them', async () => {
    const seen: unknown[] = [];
    const reply = await dispatch(
      handlers,
      { user: user('admin') },
      'audit.verify',
      {},
      { onInternalError: (_m, e) => seen.push(e) },
    );
    expect(reply).toEqual({
      ok: false,
      error: { code: 'internal.unexpected', message: 'an internal error occurred; see the log' },
    });
    expect(seen).toHaveLength(1);
  });

  it('answers with an envelope carrying the value', async () => {
    expect(await dispatch(handlers, { user: user('reviewer') }, 'users.list', {})).toEqual({
      ok: true,
      value: [],
    });
  });
});
