import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { listAudit } from '@core/custody/audit-log';
import type { Session } from '@core/rpc/dispatch';
import type { Envelope } from '@shared/contract/envelope';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'a long enough password';
const CA_PASSPHRASE = 'the CA passphrase of this unit';

let dir: { path: string; remove: () => void };
let backend: Backend;
const admin: Session = { user: null };

function value<T>(env: Envelope<unknown>): T {
  if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
  return env.value as T;
}

const keys = (name: string): string => join(dir.path, 'keys', name);

/** The serial as `openssl crl -text` prints it: upper-case hex, whole bytes. */
const opensslSerial = (pem: string): string => {
  const hex = new X509Certificate(pem).serialNumber.toUpperCase();
  return hex.length % 2 === 0 ? hex : `0${hex}`;
};

const certificateOf = async (name: string): Promise<string> => {
  const identity = await backend.users.publicIdentity(name);
  if (identity === null) throw new Error(`no user ${name}`);
  return identity.certificatePem;
};

beforeAll(async () => {
  dir = tempDir();
  backend = await createBackend({ dataDir: dir.path });
  // First run chooses the CA passphrase together with the first administrator.
  value(
    await backend.dispatch(admin, 'session.setupAdmin', {
      name: 'admin',
      password: PASSWORD,
      caPassphrase: CA_PASSPHRASE,
    }),
  );
  for (const [name, role] of [
    ['ivan', 'investigator'],
    ['rita', 'reviewer'],
  ] as const)
    value(
      await backend.dispatch(admin, 'users.add', {
        name,
        role,
        password: PASSWORD,
        caPassphrase: CA_PASSPHRASE,
      }),
    );
});

afterAll(async () => {
  await backend.close();
  dir.remove();
});

describe('revoking certificates', () => {
  it('needs the CA passphrase once first-run setup chose one', async () => {
    expect(await backend.workspace.ca.state()).toBe('passphrase');
    const refused = await backend.dispatch(admin, 'users.update', { name: 'rita', disabled: true });
    expect(refused).toMatchObject({ ok: false, error: { code: 'ca.passphrase-required' } });
    expect((await backend.users.byName('rita'))?.disabled).toBe(false);
    expect(existsSync(keys('ca.crl.pem'))).toBe(false);
  });

  it('lists a disabled reviewer in a CRL signed by the CA that openssl verifies', async () => {
    const ritaCert = await certificateOf('rita');
    value(
      await backend.dispatch(admin, 'users.update', {
        name: 'rita',
        disabled: true,
        caPassphrase: CA_PASSPHRASE,
      }),
    );
    const verify = await run('openssl', [
      'crl',
      '-in',
      keys('ca.crl.pem'),
      '-CAfile',
      keys('ca.crt.pem'),
      '-noout',
      '-verify',
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr + verify.stdout).toMatch(/verify OK/);
    const text = await run('openssl', ['crl', '-inform', 'DER', '-in', keys('ca.crl'), '-noout', '-text']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`Serial Number: ${opensslSerial(ritaCert)}`);
    expect(text.stdout).toMatch(/Cessation Of Operation/);
    expect(text.stdout).toMatch(/Revocation Date: /);

    const rows = (
      await backend.workspace.db.read((c) =>
        listAudit(c, { action: 'user.updated', subject: 'user:rita', limit: 5 }),
      )
    ).rows;
    expect(rows[0]?.details).toMatchObject({
      new: { disabled: true },
      revoked: { reason: 'cessationOfOperation' },
    });
  });

  it('revokes a superseded certificate on a role change and certifies a re-enabled user anew', async () => {
    const ivanOld = await certificateOf('ivan');
    const ritaRevoked = await certificateOf('rita');
    value(
      await backend.dispatch(admin, 'users.update', {
        name: 'ivan',
        role: 'reviewer',
        caPassphrase: CA_PASSPHRASE,
      }),
    );
    value(
      await backend.dispatch(admin, 'users.update', {
        name: 'rita',
        disabled: false,
        caPassphrase: CA_PASSPHRASE,
      }),
    );
    const ritaNew = await certificateOf('rita');
    expect(ritaNew).not.toBe(ritaRevoked);
    const text = await run('openssl', ['crl', '-in', keys('ca.crl.pem'), '-noout', '-text']);
    expect(text.stdout).toContain(`Serial Number: ${opensslSerial(ivanOld)}`);
    expect(text.stdout).toMatch(/Superseded/);
    expect(text.stdout).toContain(`Serial Number: ${opensslSerial(ritaRevoked)}`);
    expect(text.stdout).not.toContain(`Serial Number: ${opensslSerial(ritaNew)}`);
    expect(text.stdout).not.toContain(`Serial Number: ${opensslSerial(await certificateOf('ivan'))}`);
  });
});
