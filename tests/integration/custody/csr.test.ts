import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { vigil } from '@tests/helpers/cli';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';

/** Certificate requests for an organisation's CA (`vigil ca csr`), checked and signed with openssl. */

const PASSWORD = 'correct horse battery';
let dir: { path: string; remove: () => void };
let data: string;
let ritaKeyPem: string;
let workstationKeyPem: string;

const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('hex');

beforeAll(async () => {
  dir = tempDir('vigil-csr-');
  data = join(dir.path, 'data');
  const backend = await createBackend({ dataDir: data });
  try {
    await backend.users.create(
      { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
      'setup',
    );
    ritaKeyPem = (await backend.users.unlockSigningKey('rita', PASSWORD)).publicKeyPem;
    workstationKeyPem = backend.workspace.workstation.publicKeyPem;
  } finally {
    await backend.close();
  }
  // An organisation CA made with openssl alone, standing for the one outside Vigil.
  const org = (name: string) => join(dir.path, name);
  expect(
    (
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        org('org.key'),
        '-out',
        org('org.pem'),
        '-subj',
        '/O=Org/CN=Org Root',
        '-days',
        '30',
      ])
    ).code,
  ).toBe(0);
}, 60_000);

afterAll(() => dir?.remove());

describe('vigil ca csr', () => {
  it("writes a request for the user's key that openssl req -verify accepts and an outside CA signs", async () => {
    const csr = join(dir.path, 'rita.csr');
    const out = await vigil(
      ['--data', data, 'ca', 'csr', 'rita', '--password-stdin', '--out', csr],
      `${PASSWORD}\n`,
    );
    expect(out.code, out.stderr).toBe(0);
    const verified = await run('openssl', ['req', '-in', csr, '-noout', '-verify', '-subject']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout + verified.stderr).toMatch(/verify OK/i);
    expect(verified.stdout).toContain('CN = Rita Reviewer');
    const pub = await run('openssl', ['req', '-in', csr, '-noout', '-pubkey']);
    expect(spki(pub.stdout)).toBe(spki(ritaKeyPem));
    const cert = join(dir.path, 'rita.crt');
    const signed = await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(dir.path, 'org.pem'),
      '-CAkey',
      join(dir.path, 'org.key'),
      '-out',
      cert,
      '-days',
      '7',
      '-set_serial',
      '7',
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    expect(spki(readFileSync(cert, 'utf8'))).toBe(spki(ritaKeyPem));
    const chain = await run('openssl', ['verify', '-CAfile', join(dir.path, 'org.pem'), cert]);
    expect(chain.stdout).toContain(': OK');
  });

  it('writes a request for the workstation key; a wrong password writes nothing', async () => {
    const csr = join(dir.path, 'ws.csr');
    expect((await vigil(['--data', data, 'ca', 'csr', '--workstation', '--out', csr])).code).toBe(0);
    const verified = await run('openssl', ['req', '-in', csr, '-noout', '-verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout + verified.stderr).toMatch(/verify OK/i);
    const pub = await run('openssl', ['req', '-in', csr, '-noout', '-pubkey']);
    expect(spki(pub.stdout)).toBe(spki(workstationKeyPem));
    const wrong = join(dir.path, 'wrong.csr');
    const refused = await vigil(
      ['--data', data, 'ca', 'csr', 'rita', '--password-stdin', '--out', wrong],
      'not it\n',
    );
    expect(refused.code).not.toBe(0);
    expect(existsSync(wrong)).toBe(false);
  });
});
