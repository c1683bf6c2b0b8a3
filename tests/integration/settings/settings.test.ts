import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import type { Session } from '@core/rpc/dispatch';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let backend: Backend;
const admin: Session = { user: null };
const ivan: Session = { user: null };

beforeAll(async () => {
  dir = tempDir();
  backend = await createBackend({ dataDir: dir.path });
  await backend.dispatch(admin, 'session.setupAdmin', { name: 'admin', password: 'first admin password' });
  await backend.dispatch(admin, 'users.add', {
    name: 'ivan',
    role: 'investigator',
    password: 'investigator password',
  });
  await backend.dispatch(ivan, 'session.signIn', { name: 'ivan', password: 'investigator password' });
});
afterAll(async () => {
  await backend.close();
  dir.remove();
});

describe('workstation settings', () => {
  it('has safe defaults', async () => {
    expect(await backend.dispatch(ivan, 'settings.get', {})).toMatchObject({
      ok: true,
      value: { allowPrivateNetwork: false, freshnessHours: 24, tsaUrl: null, language: 'en' },
    });
  });

  it('refuses private addresses in reports until an admin allows them, and logs the change', async () => {
    const url = 'http://127.0.0.1:8080/shop';
    expect(await backend.dispatch(ivan, 'reports.add', { url })).toMatchObject({
      ok: false,
      error: { code: 'intake.private-address' },
    });
    expect(await backend.dispatch(ivan, 'settings.update', { allowPrivateNetwork: true })).toMatchObject({
      ok: false,
      error: { code: 'auth.forbidden' },
    });
    expect(await backend.dispatch(admin, 'settings.update', { allowPrivateNetwork: true })).toMatchObject({
      ok: true,
      value: { allowPrivateNetwork: true },
    });
    expect(await backend.dispatch(ivan, 'reports.add', { url })).toMatchObject({
      ok: true,
      value: { merged: false },
    });
    const audit = await backend.dispatch(admin, 'audit.list', { subject: 'settings', limit: 10 });
    expect(audit).toMatchObject({
      ok: true,
      value: {
        rows: [
          expect.objectContaining({
            action: 'settings.changed',
            actor: 'admin',
            details: { allowPrivateNetwork: { from: false, to: true } },
          }),
        ],
      },
    });
  });

  it('rejects invalid values and keeps the stored ones', async () => {
    expect(await backend.dispatch(admin, 'settings.update', { freshnessHours: -1 })).toMatchObject({
      ok: false,
      error: { code: 'rpc.invalid-input' },
    });
    expect(await backend.dispatch(admin, 'settings.get', {})).toMatchObject({
      ok: true,
      value: { freshnessHours: 24 },
    });
  });
});
