import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { listAudit } from '@core/custody/audit-log';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'the right password';
let dir: { path: string; remove: () => void };
let backend: Backend;
let bridge: HttpBridge;
let now = Date.parse('2026-12-01T10:00:00.000Z');
const clock = () => new Date(now);

type Client = { cookie: string; key: string };
type Reply = { ok: boolean; value?: unknown; error?: { code: string; message: string } };

async function client(): Promise<Client> {
  const auth = await fetch(bridge.loginUrl, { redirect: 'manual' });
  return {
    cookie: (auth.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
    key: auth.headers.get('x-vigil-session') ?? '',
  };
}

async function call(c: Client, method: string, input: unknown = {}): Promise<Reply> {
  const res = await fetch(`${bridge.url}/rpc`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-vigil-request': '1',
      cookie: c.cookie,
      'x-vigil-session': c.key,
    },
    body: JSON.stringify({ method, input }),
  });
  return (await res.json()) as Reply;
}

const signIn = (c: Client, name: string, password: string) => call(c, 'session.signIn', { name, password });

const audit = async (action: string, subject?: string) =>
  (
    await backend.workspace.db.read((c) =>
      listAudit(c, { limit: 1000, action, ...(subject === undefined ? {} : { subject }) }),
    )
  ).rows;

beforeAll(async () => {
  dir = tempDir('vigil-bridge-lockout-');
  backend = await createBackend({ dataDir: join(dir.path, 'data'), clock });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  for (const name of ['ivan', 'olga', 'petr', 'rita'])
    await backend.users.create({ name, role: 'investigator', password: PASSWORD }, 'admin');
  await backend.settings.update({ signInLockoutAfter: 6 }, 'admin');
  bridge = await startHttpBridge({ backend, staticDir: null, clock });
}, 120_000);
afterAll(async () => {
  await bridge.close();
  await backend.close();
  dir.remove();
});

describe('sign-in backoff and lockout', () => {
  it('makes a user wait after three failures, even with the right password, then lets them in', async () => {
    const c = await client();
    for (let i = 0; i < 3; i += 1)
      expect(await signIn(c, 'ivan', 'wrong password')).toMatchObject({
        error: { code: 'auth.bad-credentials' },
      });
    // A fourth guess at once is refused before the password is looked at.
    expect(await signIn(c, 'ivan', PASSWORD)).toMatchObject({ error: { code: 'auth.too-many-attempts' } });
    now += 1_001;
    expect(await signIn(c, 'ivan', PASSWORD)).toMatchObject({ ok: true, value: { name: 'ivan' } });
    // Success clears the count: the next failure is a free one again.
    const other = await client();
    expect(await signIn(other, 'ivan', 'wrong password')).toMatchObject({
      error: { code: 'auth.bad-credentials' },
    });
    expect(await signIn(other, 'ivan', PASSWORD)).toMatchObject({ ok: true });
  });

  it('70 wrong passwords at 7 per second, then the right one: refused, and the user is locked', async () => {
    const attacker = await client();
    const codes = new Set<string>();
    for (let i = 0; i < 70; i += 1) {
      now += 143;
      codes.add((await signIn(attacker, 'olga', `guess number ${i}`)).error?.code ?? 'ok');
    }
    // Three free guesses, then waits of 1, 2, 4 s… (7 per second mostly hit a wait), then locked at 6.
    expect([...codes].sort()).toEqual(['auth.bad-credentials', 'auth.locked', 'auth.too-many-attempts']);
    now += 10 * 60_000;
    expect(await signIn(attacker, 'olga', PASSWORD)).toMatchObject({ ok: false });
    // Waiting out the backoff does not help once the user is locked, and another client is refused too.
    now += 60 * 60_000;
    const fresh = await client();
    expect(await signIn(fresh, 'olga', PASSWORD)).toMatchObject({ error: { code: 'auth.locked' } });
    expect(await audit('user.locked', 'user:olga')).toHaveLength(1);
    expect(await audit('session.signed-in', 'user:olga')).toHaveLength(0);
  });

  it('locks after the configured number of failures, and an admin unlocks (custody events)', async () => {
    const c = await client();
    for (let i = 0; i < 6; i += 1) {
      now += 10 * 60_000;
      expect(await signIn(c, 'petr', 'wrong password')).toMatchObject({
        error: { code: 'auth.bad-credentials' },
      });
    }
    now += 10 * 60_000;
    expect(await signIn(c, 'petr', PASSWORD)).toMatchObject({ error: { code: 'auth.locked' } });
    const [locked] = await audit('user.locked', 'user:petr');
    expect(locked?.details).toMatchObject({ failures: 6, lockAfter: 6 });

    const admin = await client();
    expect(await signIn(admin, 'admin', PASSWORD)).toMatchObject({ ok: true });
    const investigator = await client();
    expect(await signIn(investigator, 'rita', PASSWORD)).toMatchObject({ ok: true });
    expect(await call(investigator, 'users.unlock', { name: 'petr' })).toMatchObject({
      error: { code: 'auth.forbidden' },
    });
    expect(await call(admin, 'users.unlock', { name: 'petr' })).toMatchObject({
      ok: true,
      value: { name: 'petr', wasLocked: true, failures: 6 },
    });
    const [unlocked] = await audit('user.unlocked', 'user:petr');
    expect(unlocked).toMatchObject({ actor: 'admin', details: { wasLocked: true, failures: 6 } });
    expect(await signIn(c, 'petr', PASSWORD)).toMatchObject({ ok: true, value: { name: 'petr' } });
  });

  it('makes one client wait after failures across different user names', async () => {
    const sprayer = await client();
    for (const name of ['nobody1', 'nobody2', 'nobody3'])
      expect(await signIn(sprayer, name, 'password1234')).toMatchObject({
        error: { code: 'auth.bad-credentials' },
      });
    expect(await signIn(sprayer, 'rita', PASSWORD)).toMatchObject({
      error: { code: 'auth.too-many-attempts' },
    });
    // Another client is not held up by this one's failures.
    expect(await signIn(await client(), 'rita', PASSWORD)).toMatchObject({ ok: true });
  });
});

describe('names typed at sign-in', () => {
  it('refuses control and bidi characters before anything is written', async () => {
    const c = await client();
    const before = (await audit('session.sign-in-failed')).length;
    for (const name of ['ivan\n9999\tforged', 'ivan\u202Egnp.exe', 'a\u001b[31mred', 'x\u2066y'])
      expect(await signIn(c, name, 'whatever'), JSON.stringify(name)).toMatchObject({
        error: { code: 'rpc.invalid-input' },
      });
    expect(await audit('session.sign-in-failed')).toHaveLength(before);
  });

  it('never writes a name no user could have (a password typed as the name) into the log', async () => {
    now += 60 * 60_000;
    const c = await client();
    expect(await signIn(c, 'Secret Pa55word!', 'x')).toMatchObject({
      error: { code: 'auth.bad-credentials' },
    });
    const rows = await audit('session.sign-in-failed');
    expect(JSON.stringify(rows)).not.toContain('Secret Pa55word!');
    expect(rows[0]).toMatchObject({ actor: '(not a user name)' });
  });
});
