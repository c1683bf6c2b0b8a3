import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vigil } from '@tests/helpers/cli';
import { approvalOf } from '@tests/helpers/decision-input';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { run } from '@tests/helpers/openssl';
import { tempDir } from '@tests/helpers/temp-dir';

/** An organisation's own CA, made with openssl, certifies a reviewer and the workstation. */

const PASSWORD = 'correct horse battery';
let dir: { path: string; remove: () => void };
let site: FixtureSite;
const p = (name: string) => join(dir.path, name);
const data = () => p('data');

async function ok(cmd: string, args: readonly string[]): Promise<void> {
  const r = await run(cmd, args);
  expect(r.code, r.stderr).toBe(0);
}

/** A CA (P-256, CA:true) made by openssl, as an organisation would run it outside Vigil. */
async function makeCa(name: string): Promise<void> {
  await ok('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p(`${name}.key`)]);
  await ok('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    p(`${name}.key`),
    '-sha256',
    '-days',
    '365',
    '-subj',
    `/O=Org/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    p(`${name}.pem`),
  ]);
}

async function sign(ca: string, csr: string, out: string): Promise<void> {
  writeFileSync(
    p('leaf.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
  );
  await ok('openssl', [
    'x509',
    '-req',
    '-in',
    p(csr),
    '-CA',
    p(`${ca}.pem`),
    '-CAkey',
    p(`${ca}.key`),
    '-CAcreateserial',
    '-days',
    '30',
    '-sha256',
    '-extfile',
    p('leaf.ext'),
    '-out',
    p(out),
  ]);
}

beforeAll(async () => {
  dir = tempDir('vigil-org-ca-');
  site = await startFixtureSite();
  const b = await createBackend({ dataDir: data() });
  await b.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await b.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
  await b.close();
  await makeCa('org-ca');
  await makeCa('stranger-ca');
  for (const [args, out] of [
    [['rita', '--password-stdin'], 'rita.csr'],
    [['--workstation'], 'ws.csr'],
  ] as const) {
    const r = await vigil(['--data', data(), 'ca', 'csr', ...args, '--out', p(out)], `${PASSWORD}\n`);
    expect(r.code, r.stderr).toBe(0);
  }
  await sign('org-ca', 'rita.csr', 'rita.crt');
  await sign('org-ca', 'ws.csr', 'ws.crt');
  await sign('stranger-ca', 'rita.csr', 'rita-stranger.crt');
}, 120_000);

afterAll(async () => {
  await site?.close();
  dir?.remove();
});

describe('an organisation CA', () => {
  it('refuses certificates of a CA not imported, and a certificate for another key', async () => {
    const before = await vigil(['--data', data(), 'ca', 'install-cert', 'rita', p('rita.crt')]);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/does not chain to an organisation CA/);
    const imported = await vigil(['--data', data(), 'ca', 'import-cert', p('org-ca.pem'), '--name', 'Org']);
    expect(imported.code, imported.stderr).toBe(0);
    const stranger = await vigil(['--data', data(), 'ca', 'install-cert', 'rita', p('rita-stranger.crt')]);
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toMatch(/does not chain to an organisation CA/);
    // The workstation's certificate is for another key than rita's.
    const other = await vigil(['--data', data(), 'ca', 'install-cert', 'rita', p('ws.crt')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/for another key/);
  });

  it('certifies a reviewer and the workstation so that verify --trust-ca ORG-CA.pem passes', async () => {
    for (const args of [
      ['rita', p('rita.crt')],
      ['--workstation', p('ws.crt')],
    ]) {
      const r = await vigil(['--data', data(), 'ca', 'install-cert', ...args]);
      expect(r.code, r.stderr).toBe(0);
    }
    const b = await createBackend({ dataDir: data(), env: { VIGIL_BROWSER: CHROMIUM } });
    try {
      const url = `${site.http}/?org=1`;
      const { resource } = await createIntakeService(b.workspace).addReport(
        { url, sourceType: 'volunteer' },
        { actor: 'ivan', allowPrivateNetwork: true },
      );
      const capture = await b.captures.captureResource(resource.id, {
        operator: 'ivan',
        allowPrivateNetwork: true,
        timeoutSeconds: 60,
      });
      expect(capture.outcome).toBe('complete');
      valueOf(await callAs(b, 'ivan', 'review.request', { resourceId: resource.id }));
      valueOf(
        await callAs(b, 'rita', 'review.decide', {
          resourceId: resource.id,
          decision: approvalOf(url),
          password: PASSWORD,
        }),
      );
      const out = p('case.zip');
      const exported = await vigil(['--data', data(), 'export', '--resource', resource.id, '--out', out]);
      expect(exported.code, exported.stderr).toBe(0);
      const verified = await vigil(['verify', out, '--trust-ca', p('org-ca.pem')]);
      expect(verified.code, verified.stdout).toBe(0);
      expect(verified.stdout).toMatch(/anchored to: .*org-ca/);
      const stranger = await vigil(['verify', out, '--trust-ca', p('stranger-ca.pem')]);
      expect(stranger.code).toBe(1);
    } finally {
      await b.close();
    }
  }, 180_000);
});
