import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { listAudit } from '@core/custody/audit-log';
import type { Session } from '@core/rpc/dispatch';
import type { Envelope } from '@shared/contract/envelope';
import type { User } from '@shared/domain/users';
import { rememberPassword, vigil } from '@tests/helpers/cli';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'a long enough password';

let dir: { path: string; remove: () => void };
let backend: Backend;
const admin: Session = { user: null };

const cli = (...args: string[]) => vigil(['--data', dir.path, ...args]);

function value<T>(env: Envelope<unknown>): T {
  if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
  return env.value as T;
}

const code = (env: Envelope<unknown>): string | null => (env.ok ? null : env.error.code);

async function signIn(name: string): Promise<Session> {
  const session: Session = { user: null };
  value(await backend.dispatch(session, 'session.signIn', { name, password: PASSWORD }));
  return session;
}

async function auditRows(action: string, subject: string) {
  return (await backend.workspace.db.read((c) => listAudit(c, { action, subject, limit: 100 }))).rows;
}

const subjectOf = async (pem: string): Promise<string> =>
  (await run('openssl', ['x509', '-noout', '-subject', '-nameopt', 'RFC2253'], { input: pem })).stdout.trim();

beforeAll(async () => {
  dir = tempDir();
  backend = await createBackend({ dataDir: dir.path });
  value(await backend.dispatch(admin, 'session.setupAdmin', { name: 'admin', password: PASSWORD }));
  for (const [name, role] of [
    ['ivan', 'investigator'],
    ['rita', 'reviewer'],
  ] as const)
    value(await backend.dispatch(admin, 'users.add', { name, role, password: PASSWORD }));
  for (const name of ['admin', 'ivan', 'rita']) rememberPassword(dir.path, name, PASSWORD);
});

afterAll(async () => {
  await backend.close();
  dir.remove();
});

describe('users.update through dispatch', () => {
  it('changes a role, re-issues the certificate for the same key and keeps the old one', async () => {
    const before = await backend.users.publicIdentity('ivan');
    if (before === null) throw new Error('no ivan');
    const updated = value<User>(
      await backend.dispatch(admin, 'users.update', { name: 'ivan', role: 'reviewer' }),
    );
    expect(updated).toMatchObject({ name: 'ivan', role: 'reviewer', disabled: false });
    expect(updated.certificateSha256).not.toBe(before.user.certificateSha256);

    const after = await backend.users.publicIdentity('ivan');
    if (after === null) throw new Error('no ivan');
    expect(after.publicKeyPem).toBe(before.publicKeyPem);
    expect(await subjectOf(before.certificatePem)).toMatch(/OU=investigator/);
    expect(await subjectOf(after.certificatePem)).toMatch(/OU=reviewer/);
    const caFile = join(dir.path, 'ca-check.pem');
    const newFile = join(dir.path, 'ivan-new.pem');
    writeFileSync(caFile, backend.workspace.ca.certPem);
    writeFileSync(newFile, after.certificatePem);
    const verified = await run('openssl', ['verify', '-CAfile', caFile, newFile]);
    expect(verified.stdout + verified.stderr).toMatch(/: OK/);

    // Decisions signed before the change name the old certificate: it stays where exports look.
    const kept = join(dir.path, 'keys', 'imported', 'users', `${before.user.certificateSha256}.crt.pem`);
    expect(existsSync(kept)).toBe(true);
    expect(readFileSync(kept, 'utf8')).toBe(before.certificatePem);

    // The password still unlocks the key, and the key matches the new certificate.
    const identity = await backend.users.unlockSigningKey('ivan', PASSWORD);
    expect(identity.certificatePem).toBe(after.certificatePem);

    const [row, ...more] = await auditRows('user.updated', 'user:ivan');
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      actor: 'admin',
      details: {
        old: { role: 'investigator', disabled: false, certificateSha256: before.user.certificateSha256 },
        new: { role: 'reviewer', disabled: false, certificateSha256: updated.certificateSha256 },
      },
    });
    const superseded = (row?.details as { supersededCertificatePem?: string }).supersededCertificatePem;
    expect(superseded).toBeDefined();
    expect(new X509Certificate(superseded ?? '').fingerprint256.replace(/:/g, '').toLowerCase()).toBe(
      before.user.certificateSha256,
    );
  });

  it('changes a display name without touching anything else; an unchanged value writes nothing', async () => {
    const renamed = value<User>(
      await backend.dispatch(admin, 'users.update', { name: 'ivan', displayName: 'Иван Петров' }),
    );
    expect(renamed).toMatchObject({ displayName: 'Иван Петров', role: 'reviewer' });
    const identity = await backend.users.publicIdentity('ivan');
    expect(new X509Certificate(identity?.certificatePem ?? '').subject).toContain('CN=Иван Петров');
    const rows = (await auditRows('user.updated', 'user:ivan')).length;
    value(await backend.dispatch(admin, 'users.update', { name: 'ivan', role: 'reviewer' }));
    expect((await auditRows('user.updated', 'user:ivan')).length).toBe(rows);
  });

  it('applies a demotion or promotion to an open session on its next call', async () => {
    const rita = await signIn('rita');
    // The role check comes before input validation: an empty decision shows who may call.
    expect(code(await backend.dispatch(rita, 'review.decide', {}))).toBe('rpc.invalid-input');
    expect(code(await backend.dispatch(rita, 'users.add', {}))).toBe('auth.forbidden');

    value(await backend.dispatch(admin, 'users.update', { name: 'rita', role: 'investigator' }));
    expect(code(await backend.dispatch(rita, 'review.decide', {}))).toBe('auth.forbidden');
    expect(rita.user?.role).toBe('investigator');

    value(await backend.dispatch(admin, 'users.update', { name: 'rita', role: 'admin' }));
    expect(code(await backend.dispatch(rita, 'users.add', {}))).toBe('rpc.invalid-input');
    value(await backend.dispatch(admin, 'users.update', { name: 'rita', role: 'reviewer' }));
  });

  it('disables a user: sign-in refused, the open session refused at once, enabling restores sign-in', async () => {
    const rita = await signIn('rita');
    expect(code(await backend.dispatch(rita, 'users.list', {}))).toBeNull();

    const disabled = value<User>(
      await backend.dispatch(admin, 'users.update', { name: 'rita', disabled: true }),
    );
    expect(disabled.disabled).toBe(true);

    const refused = await backend.dispatch(rita, 'users.list', {});
    expect(refused).toMatchObject({ ok: false, error: { code: 'auth.not-signed-in' } });
    expect(refused.ok ? '' : refused.error.message).toMatch(/rita has been disabled/);
    expect(rita.user).toBeNull();
    expect(value<{ user: User | null }>(await backend.dispatch(rita, 'session.status', {})).user).toBeNull();
    expect((await auditRows('session.revoked', 'user:rita'))[0]).toMatchObject({
      actor: 'rita',
      details: { reason: 'user disabled', method: 'users.list' },
    });

    expect(
      code(await backend.dispatch({ user: null }, 'session.signIn', { name: 'rita', password: PASSWORD })),
    ).toBe('auth.bad-credentials');

    value(await backend.dispatch(admin, 'users.update', { name: 'rita', disabled: false }));
    const again = await signIn('rita');
    expect(again.user).toMatchObject({ name: 'rita', disabled: false });
    const rows = await auditRows('user.updated', 'user:rita');
    expect(rows.slice(0, 2).map((r) => (r.details as { new: { disabled: boolean } }).new.disabled)).toEqual([
      false,
      true,
    ]);
  });

  it('refuses self-demotion and self-disabling, and refuses non-admins', async () => {
    const self1 = await backend.dispatch(admin, 'users.update', { name: 'admin', role: 'reviewer' });
    expect(self1).toMatchObject({ ok: false, error: { code: 'auth.forbidden' } });
    const self2 = await backend.dispatch(admin, 'users.update', { name: 'admin', disabled: true });
    expect(self2).toMatchObject({ ok: false, error: { code: 'auth.forbidden' } });
    const ivan = await signIn('ivan');
    expect(code(await backend.dispatch(ivan, 'users.update', { name: 'rita', disabled: true }))).toBe(
      'auth.forbidden',
    );
    expect(code(await backend.dispatch(admin, 'users.update', { name: 'nobody', disabled: true }))).toBe(
      'user.not-found',
    );
    expect((await backend.users.byName('admin'))?.role).toBe('admin');
    expect((await backend.users.byName('rita'))?.disabled).toBe(false);
  });

  it('lets one admin demote another while a second enabled admin remains', async () => {
    value(await backend.dispatch(admin, 'users.update', { name: 'ivan', role: 'admin' }));
    const ivan = await signIn('ivan');
    value(await backend.dispatch(ivan, 'users.update', { name: 'admin', disabled: true }));
    // The first admin is now disabled; its open session ends, and ivan is the last enabled admin.
    expect(code(await backend.dispatch(admin, 'users.list', {}))).toBe('auth.not-signed-in');
    value(await backend.dispatch(ivan, 'users.update', { name: 'admin', disabled: false }));
    Object.assign(admin, await signIn('admin'));
    value(await backend.dispatch(admin, 'users.update', { name: 'ivan', role: 'reviewer' }));
  });
});

describe('vigil user set', () => {
  it('changes a role and disables and enables a user', async () => {
    const set = await cli('user', 'set', 'ivan', '--role', 'investigator', '--json');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ name: 'ivan', role: 'investigator' });
    const rita = await signIn('rita');

    const off = await cli('user', 'set', 'rita', '--disable');
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/^rita: reviewer, disabled/);
    // Disabled from another backend (the CLI): this backend's open session is refused on its next call.
    expect(code(await backend.dispatch(rita, 'users.list', {}))).toBe('auth.not-signed-in');
    const list = JSON.parse((await cli('user', 'list', '--json')).stdout) as User[];
    expect(list.find((u) => u.name === 'rita')?.disabled).toBe(true);

    const on = await cli('--as', 'admin', 'user', 'set', 'rita', '--enable');
    expect(on.code, on.stderr).toBe(0);
    const rows = await auditRows('user.updated', 'user:rita');
    expect(rows[0]).toMatchObject({ actor: 'admin', details: { new: { disabled: false } } });
    expect(rows[1]?.actor).toMatch(/^os:/);
  });

  it('refuses to disable or demote the last enabled admin', async () => {
    const off = await cli('user', 'set', 'admin', '--disable');
    expect(off.code).toBe(2);
    expect(off.stderr).toMatch(/^error input\.invalid: admin is the last enabled administrator/);
    const demote = await cli('user', 'set', 'admin', '--role', 'reviewer');
    expect(demote.code).toBe(2);
    expect(demote.stderr).toMatch(/last enabled administrator/);
    expect(await backend.users.byName('admin')).toMatchObject({ role: 'admin', disabled: false });
    const self = await cli('--as', 'admin', 'user', 'set', 'admin', '--role', 'reviewer');
    expect(self.stderr).toMatch(/^error auth\.forbidden: /);
  });

  it('gives usage errors for bad arguments', async () => {
    const both = await cli('user', 'set', 'rita', '--disable', '--enable');
    expect([both.code, both.stderr]).toEqual([2, expect.stringMatching(/^error input\.invalid: .*not both/)]);
    const nothing = await cli('user', 'set', 'rita');
    expect([nothing.code, nothing.stderr]).toEqual([2, expect.stringMatching(/nothing to change/)]);
    const badRole = await cli('user', 'set', 'rita', '--role', 'chief');
    expect(badRole.code).toBe(2);
    const unknown = await cli('user', 'set', 'nobody', '--disable');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringMatching(/^error user\.not-found: /)]);
  });

  it('leaves an intact custody log', async () => {
    const verified = await cli('audit', 'verify', '--json');
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
  });
});
