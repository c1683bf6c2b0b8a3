import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '@core/custody/canonical-json';
import { signEs256 } from '@core/custody/signing';
import { createUsersService, type UsersService } from '@core/users/users-service';
import { openWorkspace, type Workspace } from '@core/workspace';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let ws: Workspace;
let users: UsersService;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  dir = tempDir();
  ({ workspace: ws } = await openWorkspace({ dataDir: dir.path, workstationName: 'ws-test' }));
  users = createUsersService(ws);
  await users.create(
    { name: 'rita', displayName: 'Рита Аль-Хашими رِيتا', role: 'reviewer', password: PASSWORD },
    'test',
  );
});
afterAll(async () => {
  await ws.close();
  dir.remove();
});

describe('keys', () => {
  it('keeps private keys readable only by the owner', () => {
    expect(statSync(ws.paths.workstationKey).mode & 0o077).toBe(0);
    expect(statSync(ws.paths.caKey).mode & 0o077).toBe(0);
  });

  it('makes workstation signatures that openssl verifies, and rejects them over other data', async () => {
    const data = Buffer.from(canonicalJson({ manifest: 'Ж', b: 1, a: [1, 2] }));
    const dataFile = join(dir.path, 'data.json');
    const sigFile = join(dir.path, 'data.sig');
    writeFileSync(dataFile, data);
    writeFileSync(sigFile, signEs256(ws.workstation.privateKey, data));
    const ok = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      ws.paths.workstationPub,
      '-signature',
      sigFile,
      dataFile,
    ]);
    expect(ok.stdout).toContain('Verified OK');
    writeFileSync(dataFile, Buffer.concat([data, Buffer.from(' ')]));
    const bad = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      ws.paths.workstationPub,
      '-signature',
      sigFile,
      dataFile,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toContain('Verification failure');
  });

  it('certifies the workstation and each user with the local CA', async () => {
    const userCert = join(dir.path, 'rita.pem');
    const identity = await users.publicIdentity('rita');
    writeFileSync(userCert, identity?.certificatePem ?? '');
    for (const cert of [ws.paths.workstationCert, userCert]) {
      const out = await run('openssl', ['verify', '-CAfile', ws.paths.caCert, cert]);
      expect(out.stdout.trim(), out.stderr).toBe(`${cert}: OK`);
    }
    const text = await run('openssl', ['x509', '-in', userCert, '-noout', '-subject', '-nameopt', 'utf8']);
    expect(text.stdout).toContain('Рита Аль-Хашими');
  });
});

describe('user keys', () => {
  it("unlocks with the user's own password and signs what openssl verifies", async () => {
    const id = await users.unlockSigningKey('rita', PASSWORD);
    const data = Buffer.from('decision record');
    const files = {
      data: join(dir.path, 'd.bin'),
      sig: join(dir.path, 'd.sig'),
      pub: join(dir.path, 'rita.pub.pem'),
    };
    writeFileSync(files.data, data);
    writeFileSync(files.sig, signEs256(id.privateKey, data));
    writeFileSync(files.pub, id.publicKeyPem);
    const out = await run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      files.pub,
      '-signature',
      files.sig,
      files.data,
    ]);
    expect(out.stdout).toContain('Verified OK');
  });

  it('a wrong password unlocks nothing', async () => {
    await expect(users.unlockSigningKey('rita', 'not the password')).rejects.toMatchObject({
      code: 'user.wrong-password',
    });
  });

  it('stores no private key material in the clear', async () => {
    const row = await ws.db.read((c) =>
      c.get<{ private_key_enc: string; password_hash: string }>(
        "SELECT private_key_enc, password_hash FROM users WHERE name = 'rita'",
      ),
    );
    expect(row?.private_key_enc).not.toContain('PRIVATE KEY');
    expect(row?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(readFileSync(ws.paths.db).includes(Buffer.from(PASSWORD))).toBe(false);
  });

  it('authenticates with the right password only, with one answer for unknown names and wrong passwords', async () => {
    await expect(users.authenticate('rita', PASSWORD)).resolves.toMatchObject({
      name: 'rita',
      role: 'reviewer',
    });
    await expect(users.authenticate('rita', 'wrong')).rejects.toMatchObject({ code: 'auth.bad-credentials' });
    await expect(users.authenticate('nobody', PASSWORD)).rejects.toMatchObject({
      code: 'auth.bad-credentials',
    });
  });

  it('refuses a second user with the same name and leaves the first unchanged', async () => {
    const before = createHash('sha256')
      .update(JSON.stringify(await users.list()))
      .digest('hex');
    await expect(
      users.create({ name: 'rita', role: 'admin', password: 'another password!' }, 'test'),
    ).rejects.toMatchObject({ code: 'user.exists' });
    expect(
      createHash('sha256')
        .update(JSON.stringify(await users.list()))
        .digest('hex'),
    ).toBe(before);
  });
});
