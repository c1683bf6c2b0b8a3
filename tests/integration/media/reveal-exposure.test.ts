import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { listAudit } from '@core/custody/audit-log';
import { revealLogOf, UNENDED_REVEAL_CAP_MS } from '@core/media/reveal-log';
import type { Session } from '@core/rpc/dispatch';
import type { User } from '@shared/domain/users';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'correct horse battery';
const SHA = 'ab'.repeat(32);
const RESOURCE = 'res_0000000000aaaaaaaaaaaaaaaa';

let dir: { path: string; remove: () => void };
let backend: Backend;
// The backend's clock, moved by the tests: durations are the backend's, never the client's.
let now = Date.parse('2026-03-01T09:00:00.000Z');
const advance = (ms: number) => {
  now += ms;
};
const admin: Session = { user: null };
const vera: Session = { user: null };
const oleg: Session = { user: null };

const value = <T>(reply: { ok: boolean; value?: unknown; error?: unknown }): T => {
  if (!reply.ok) throw new Error(`call failed: ${JSON.stringify(reply.error)}`);
  return reply.value as T;
};
const startReveal = (session: Session) =>
  revealLogOf(backend.workspace).start(session.user as User, RESOURCE, SHA, {});
const auditOf = async (action: string) =>
  (await backend.workspace.db.read((c) => listAudit(c, { action, limit: 50 }))).rows;

beforeAll(async () => {
  dir = tempDir('vigil-exposure-');
  backend = await createBackend({ dataDir: join(dir.path, 'data'), clock: () => new Date(now) });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'vera', role: 'reviewer', password: PASSWORD }, 'admin');
  await backend.users.create({ name: 'oleg', role: 'investigator', password: PASSWORD }, 'admin');
  for (const [session, name] of [
    [admin, 'admin'],
    [vera, 'vera'],
    [oleg, 'oleg'],
  ] as const)
    value(await backend.dispatch(session, 'session.signIn', { name, password: PASSWORD }));
}, 60_000);

afterAll(async () => {
  await backend?.close();
  dir?.remove();
});

describe('reveal durations and the daily exposure counter', () => {
  it('measures each reveal from start to hide with the backend clock and sums them per day', async () => {
    const first = await startReveal(vera);
    advance(90_000);
    expect(value(await backend.dispatch(vera, 'media.hide', { revealId: first, how: 'hidden' }))).toEqual({
      durationMs: 90_000,
    });
    const second = await startReveal(vera);
    advance(30_500);
    expect(value(await backend.dispatch(vera, 'media.hide', { revealId: second, how: 'left' }))).toEqual({
      durationMs: 30_500,
    });
    expect(value(await backend.dispatch(vera, 'exposure.mine', {}))).toEqual({
      userName: 'vera',
      day: '2026-03-01',
      reveals: 2,
      revealedMs: 120_500,
      open: 0,
      softLimitMs: 4 * 3_600_000,
      overLimit: false,
    });
    const ended = await auditOf('media.reveal-ended');
    expect(ended.map((r) => r.details)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ revealId: first, durationMs: 90_000, how: 'hidden', sha256: SHA }),
        expect.objectContaining({ revealId: second, durationMs: 30_500, how: 'left' }),
      ]),
    );
  });

  it('ends a reveal once, and only its own user may end it', async () => {
    const id = await startReveal(vera);
    expect(await backend.dispatch(oleg, 'media.hide', { revealId: id, how: 'hidden' })).toMatchObject({
      ok: false,
      error: { code: 'evidence.not-found' },
    });
    value(await backend.dispatch(vera, 'media.hide', { revealId: id, how: 'hidden' }));
    expect(await backend.dispatch(vera, 'media.hide', { revealId: id, how: 'hidden' })).toMatchObject({
      ok: false,
      error: { code: 'evidence.not-found' },
    });
  });

  it('prompts a break at the soft limit (a setting)', async () => {
    value(await backend.dispatch(admin, 'settings.update', { exposureSoftLimitMinutes: 2 }));
    expect(value(await backend.dispatch(vera, 'exposure.mine', {}))).toMatchObject({
      softLimitMs: 120_000,
      overLimit: true,
    });
    expect(value(await backend.dispatch(oleg, 'exposure.mine', {}))).toMatchObject({
      revealedMs: 0,
      overLimit: false,
    });
    value(await backend.dispatch(admin, 'settings.update', { exposureSoftLimitMinutes: 240 }));
  });

  it('ends a reveal left open at sign-out exactly, and at the next sign-in capped', async () => {
    await startReveal(oleg);
    advance(5_000);
    value(await backend.dispatch(oleg, 'session.signOut', {}));
    await startReveal(vera);
    // The window closed with the image shown: nothing ended the reveal until vera signs in again.
    advance(3 * 3_600_000);
    value(await backend.dispatch(vera, 'session.signIn', { name: 'vera', password: PASSWORD }));
    const ended = (await auditOf('media.reveal-ended')).map((r) => r.details);
    expect(ended).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ how: 'left', durationMs: 5_000 }),
        expect.objectContaining({ how: 'next-sign-in', durationMs: UNENDED_REVEAL_CAP_MS }),
      ]),
    );
    value(await backend.dispatch(oleg, 'session.signIn', { name: 'oleg', password: PASSWORD }));
  });

  it('shows the administrator exposure per user per day, and no one else', async () => {
    advance(24 * 3_600_000);
    const id = await startReveal(vera);
    advance(1_000);
    value(await backend.dispatch(vera, 'media.hide', { revealId: id, how: 'hidden' }));
    const rows = value<{ userName: string; day: string; revealedMs: number; reveals: number }[]>(
      await backend.dispatch(admin, 'exposure.list', {}),
    );
    expect(rows).toEqual([
      expect.objectContaining({ userName: 'vera', day: '2026-03-02', reveals: 1, revealedMs: 1_000 }),
      expect.objectContaining({ userName: 'oleg', day: '2026-03-01', revealedMs: 5_000 }),
      expect.objectContaining({
        userName: 'vera',
        day: '2026-03-01',
        reveals: 4,
        revealedMs: 120_500 + UNENDED_REVEAL_CAP_MS,
      }),
    ]);
    expect(await backend.dispatch(vera, 'exposure.list', {})).toMatchObject({
      ok: false,
      error: { code: 'auth.forbidden' },
    });
  });

  it('keeps reveal rows append-only', async () => {
    await expect(
      backend.workspace.db.write((c) => c.run('UPDATE media_reveal_ends SET duration_ms = 0')),
    ).rejects.toThrow(/append-only/);
    await expect(backend.workspace.db.write((c) => c.run('DELETE FROM media_reveals'))).rejects.toThrow(
      /append-only/,
    );
  });
});
