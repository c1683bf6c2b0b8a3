import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createCliSessions, type CliSessions } from '@core/users/cli-sessions';
import { signEs256, verifyEs256 } from '@core/custody/signing';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'correct horse battery';
const HOUR = 3_600_000;
let dir: { path: string; remove: () => void };
let backend: Backend;
let sessions: CliSessions;
let now = Date.parse('2026-12-01T08:00:00.000Z');

const codeOf = async (p: Promise<unknown>): Promise<string | null> =>
  p.then(
    () => null,
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );

beforeAll(async () => {
  dir = tempDir('vigil-sessions-');
  backend = await createBackend({ dataDir: dir.path, clock: () => new Date(now) });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
  sessions = createCliSessions(backend.workspace, backend.users);
});

afterAll(async () => {
  await backend?.close();
  dir?.remove();
});

describe('vigil login session tokens', () => {
  it('prove the user and unlock their key; a wrong password opens none', async () => {
    expect(await codeOf(sessions.login('ivan', 'wrong password!'))).toBe('auth.bad-credentials');
    const { token } = await sessions.login('ivan', PASSWORD);
    const proven = await sessions.proveToken('ivan', token);
    expect(proven.user.name).toBe('ivan');
    const ivan = await backend.users.publicIdentity('ivan');
    const sig = signEs256(proven.signer.privateKey, 'data');
    expect(verifyEs256(ivan?.publicKeyPem ?? '', 'data', sig)).toBe(true);
    expect(await codeOf(sessions.proveToken('rita', token))).toBe('auth.session-other-user');
    expect(await codeOf(sessions.proveToken('ivan', `${token}x`))).toBe('auth.session-expired');
  });

  it('expire after 8 h idle, move the idle limit on use, and never outlive 24 h', async () => {
    const idle = await sessions.login('ivan', PASSWORD);
    now += 8 * HOUR;
    expect(await codeOf(sessions.proveToken('ivan', idle.token))).toBe('auth.session-expired');

    const used = await sessions.login('ivan', PASSWORD);
    for (let i = 0; i < 3; i += 1) {
      now += 7 * HOUR;
      expect(await codeOf(sessions.proveToken('ivan', used.token))).toBeNull();
    }
    now += 3 * HOUR + 1; // 24 h after login: used all along, and still over
    expect(await codeOf(sessions.proveToken('ivan', used.token))).toBe('auth.session-expired');
  });

  it('end at logout', async () => {
    const { token } = await sessions.login('rita', PASSWORD);
    expect(await sessions.logout(token)).toBe(true);
    expect(await sessions.logout(token)).toBe(false);
    expect(await codeOf(sessions.proveToken('rita', token))).toBe('auth.session-expired');
  });
});
