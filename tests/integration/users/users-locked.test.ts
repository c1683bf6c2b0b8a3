import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import type { Session } from '@core/rpc/dispatch';
import type { User } from '@shared/domain/users';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'the right password';
let dir: { path: string; remove: () => void };
let backend: Backend;
let now = Date.parse('2026-12-01T10:00:00.000Z');
const clock = () => new Date(now);

const listed = async () => valueOf<User[]>(await callAs(backend, 'admin', 'users.list', {}));
const lockedOf = async (name: string) => (await listed()).find((u) => u.name === name)?.locked;

beforeAll(async () => {
  dir = tempDir('vigil-users-locked-');
  backend = await createBackend({ dataDir: join(dir.path, 'data'), clock });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  await backend.settings.update({ signInLockoutAfter: 3 }, 'admin');
});
afterAll(async () => {
  await backend.close();
  dir.remove();
});

describe('the users list (what the users screen shows)', () => {
  it('marks a locked user, and no longer after an admin unlocks them', async () => {
    expect(await lockedOf('ivan')).toBe(false);
    for (let i = 0; i < 3; i += 1) {
      // Each attempt from a new client, after any backoff: only the user's own count adds up.
      now += 10 * 60_000;
      const session: Session = { user: null };
      const reply = await backend.dispatch(session, 'session.signIn', {
        name: 'ivan',
        password: 'wrong one',
      });
      expect(reply.ok).toBe(false);
    }
    expect(await lockedOf('ivan')).toBe(true);
    expect(await lockedOf('admin')).toBe(false);
    expect(await callAs(backend, 'admin', 'users.unlock', { name: 'ivan' })).toMatchObject({
      ok: true,
      value: { name: 'ivan', wasLocked: true },
    });
    expect(await lockedOf('ivan')).toBe(false);
  });
});
