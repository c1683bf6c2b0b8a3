import { execFile } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateInfo, createLocalCa, derToPem, issueCertificate, pemToDer } from '@core/custody/x509';
import type { LocalCa } from '@core/custody/x509';
import { openssl } from '@tests/helpers/tsa-server';

const NOW = new Date('2026-03-01T10:20:30.456Z');
const CYRILLIC = 'Иван Петрович Сидоров';
const ARABIC = 'منظمة حقوق الإنسان';

let dir: string;
let ca: LocalCa;
let user: { privateKeyPem: string; publicKeyPem: string; certPem: string };
let workstationCertPem: string;

const newKeyPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

const write = async (name: string, data: string | Buffer) => {
  const path = join(dir, name);
  await writeFile(path, data);
  return path;
};

const x509Text = async (path: string) => {
  const result = await openssl(['x509', '-in', path, '-noout', '-text', '-nameopt', 'oneline,-esc_msb']);
  expect(result.code).toBe(0);
  return result.stdout;
};

function runTool(command: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number')
        reject(new Error(`${command} failed to run: ${error.message}`));
      else resolve({ code: typeof error?.code === 'number' ? error.code : 0, out: stdout + stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-x509-'));
  ca = await createLocalCa({
    commonName: 'Vigil Local CA',
    organization: ARABIC,
    now: NOW,
    validityDays: 3650,
  });
  const keys = newKeyPair();
  user = {
    ...keys,
    certPem: await issueCertificate({
      ca,
      subjectPublicKeyPem: keys.publicKeyPem,
      commonName: CYRILLIC,
      organization: ARABIC,
      organizationalUnit: 'Legal review',
      profile: 'user-signing',
      now: NOW,
      validityDays: 730,
    }),
  };
  workstationCertPem = await issueCertificate({
    ca,
    subjectPublicKeyPem: newKeyPair().publicKeyPem,
    commonName: 'Workstation WS-01',
    profile: 'workstation',
    now: NOW,
    validityDays: 730,
  });
  await write('ca.pem', ca.certPem);
  await write('user.pem', user.certPem);
  await write('workstation.pem', workstationCertPem);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local CA', () => {
  it('is a self-signed P-256 CA with critical basicConstraints and keyUsage', async () => {
    const verify = await openssl(['verify', '-CAfile', join(dir, 'ca.pem'), join(dir, 'ca.pem')]);
    expect(verify.stdout).toContain(': OK');
    expect(verify.code).toBe(0);

    const text = await x509Text(join(dir, 'ca.pem'));
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s+[0-9A-F:]{59}/);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(text).toContain('Version: 3 (0x2)');
  });

  it('has a positive, minimally encoded random serial and the requested validity', async () => {
    const info = certificateInfo(ca.certPem);
    expect(info.serialHex).toMatch(/^[0-9a-f]{32}$/);
    expect(Number.parseInt(info.serialHex.slice(0, 2), 16)).toBeGreaterThanOrEqual(1);
    expect(Number.parseInt(info.serialHex.slice(0, 2), 16)).toBeLessThanOrEqual(0x7f);
    expect(info.notBefore).toBe('2026-03-01T10:20:30.000Z');
    expect(info.notAfter).toBe(
      new Date(Date.parse('2026-03-01T10:20:30.000Z') + 3650 * 86_400_000).toISOString(),
    );
    expect(info.subject).toBe(`O=${ARABIC}, CN=Vigil Local CA`);
    expect(info.issuer).toBe(info.subject);

    const serial = await openssl(['x509', '-in', join(dir, 'ca.pem'), '-noout', '-serial']);
    expect(serial.stdout.trim().toLowerCase()).toBe(`serial=${info.serialHex}`);
    const fingerprint = await openssl([
      'x509',
      '-in',
      join(dir, 'ca.pem'),
      '-noout',
      '-fingerprint',
      '-sha256',
    ]);
    expect(fingerprint.stdout.split('=')[1]?.trim().replaceAll(':', '').toLowerCase()).toBe(
      info.sha256Fingerprint,
    );
  });

  it('gives every CA its own key and serial', async () => {
    const other = await createLocalCa({ commonName: 'Vigil Local CA', now: NOW, validityDays: 10 });
    expect(other.keyPem).not.toBe(ca.keyPem);
    expect(certificateInfo(other.certPem).serialHex).not.toBe(certificateInfo(ca.certPem).serialHex);
    expect(other.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });
});

describe('issued certificates', () => {
  it('verify against the CA with openssl', async () => {
    for (const name of ['user.pem', 'workstation.pem']) {
      const result = await openssl([
        'verify',
        '-x509_strict',
        '-CAfile',
        join(dir, 'ca.pem'),
        join(dir, name),
      ]);
      expect(result.stdout, result.stderr).toContain(`${name}: OK`);
      expect(result.code).toBe(0);
    }
    const other = await createLocalCa({ commonName: 'Vigil Local CA', now: NOW, validityDays: 10 });
    const otherPath = await write('other-ca.pem', other.certPem);
    const wrong = await openssl(['verify', '-CAfile', otherPath, join(dir, 'user.pem')]);
    expect(wrong.code).not.toBe(0);
  });

  it('carry the end-entity extensions', async () => {
    const text = await x509Text(join(dir, 'user.pem'));
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+E-mail Protection\n/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s+[0-9A-F:]{59}/);
    expect(text).toMatch(/X509v3 Authority Key Identifier:\s+(keyid:)?[0-9A-F:]{59}/);
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');

    const caSki = (await x509Text(join(dir, 'ca.pem'))).match(
      /Subject Key Identifier:\s+([0-9A-F:]{59})/,
    )?.[1];
    expect(caSki).toBeDefined();
    expect(text).toContain(caSki);

    const ws = await x509Text(join(dir, 'workstation.pem'));
    expect(ws).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation\n/);
    expect(ws).not.toContain('Extended Key Usage');
  });

  it('keep a Cyrillic and Arabic subject as UTF8String', async () => {
    const subject = await openssl([
      'x509',
      '-in',
      join(dir, 'user.pem'),
      '-noout',
      '-subject',
      '-nameopt',
      'oneline,-esc_msb',
    ]);
    expect(subject.stdout).toContain(CYRILLIC);
    expect(subject.stdout).toContain(ARABIC);
    const info = certificateInfo(user.certPem);
    expect(info.subject).toBe(`O=${ARABIC}, OU=Legal review, CN=${CYRILLIC}`);
    expect(info.issuer).toBe(certificateInfo(ca.certPem).subject);

    const parsed = await openssl(['asn1parse', '-in', join(dir, 'user.pem')]);
    const utf8 = parsed.stdout.split('\n').filter((line) => line.includes('UTF8STRING'));
    // issuer O + CN, subject O + OU + CN
    expect(utf8).toHaveLength(5);
    expect(parsed.stdout).not.toMatch(/PRINTABLESTRING|T61STRING|BMPSTRING/);
  });

  it('let openssl verify a node:crypto signature made with the certified key', async () => {
    const data = Buffer.from('capture manifest {"a":1}\n');
    const signature = sign('sha256', data, user.privateKeyPem);
    const dataPath = await write('data.bin', data);
    const sigPath = await write('sig.der', signature);
    const pub = await openssl(['x509', '-in', join(dir, 'user.pem'), '-noout', '-pubkey']);
    const pubPath = await write('pub.pem', pub.stdout);

    const ok = await openssl(['dgst', '-sha256', '-verify', pubPath, '-signature', sigPath, dataPath]);
    expect(ok.stdout).toContain('Verified OK');
    expect(ok.code).toBe(0);

    const tamperedPath = await write('tampered.bin', Buffer.concat([data, Buffer.from(' ')]));
    const bad = await openssl(['dgst', '-sha256', '-verify', pubPath, '-signature', sigPath, tamperedPath]);
    expect(bad.stdout).toContain('Verification failure');
    expect(bad.code).not.toBe(0);
  });

  it('are accepted by NSS (poppler pdfsig) as a document signer', async () => {
    const db = join(dir, 'nssdb');
    await runTool('mkdir', ['-p', db]);
    expect((await runTool('certutil', ['-N', '-d', `sql:${db}`, '--empty-password'])).code).toBe(0);
    const add = await runTool('certutil', [
      '-A',
      '-d',
      `sql:${db}`,
      '-n',
      'vigil-ca',
      '-t',
      'C,C,C',
      '-a',
      '-i',
      join(dir, 'ca.pem'),
    ]);
    expect(add.code, add.out).toBe(0);
    // certUsageEmailSigner (4) is the usage poppler's NSS backend validates signers with.
    for (const name of ['user.pem', 'workstation.pem']) {
      const chain = await runTool('vfychain', ['-d', `sql:${db}`, '-u', '4', '-a', join(dir, name)]);
      expect(chain.out).toContain('Chain is good!');
      expect(chain.code).toBe(0);
    }
  });

  it('never outlive the CA and use GeneralizedTime from 2050', async () => {
    const shortCa = await createLocalCa({
      commonName: 'Short CA',
      now: new Date('2049-12-25T00:00:00Z'),
      validityDays: 30,
    });
    const pem = await issueCertificate({
      ca: shortCa,
      subjectPublicKeyPem: newKeyPair().publicKeyPem,
      commonName: 'Late user',
      profile: 'user-signing',
      now: new Date('2049-12-30T00:00:00Z'),
      validityDays: 365,
    });
    const info = certificateInfo(pem);
    expect(info.notAfter).toBe(certificateInfo(shortCa.certPem).notAfter);
    expect(info.notAfter).toBe('2050-01-24T00:00:00.000Z');
    const caPath = await write('short-ca.pem', shortCa.certPem);
    const certPath = await write('late.pem', pem);
    const verify = await openssl([
      'verify',
      '-attime',
      String(Date.parse('2050-01-01T00:00:00Z') / 1000),
      '-CAfile',
      caPath,
      certPath,
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    const parsed = await openssl(['asn1parse', '-in', certPath]);
    expect(parsed.stdout).toContain('UTCTIME           :491230000000Z');
    expect(parsed.stdout).toContain('GENERALIZEDTIME   :20500124000000Z');
  });
});

describe('refusals', () => {
  it('refuses a CA key that does not match the CA certificate', async () => {
    const other = await createLocalCa({ commonName: 'Other', now: NOW, validityDays: 10 });
    await expect(
      issueCertificate({
        ca: { keyPem: other.keyPem, certPem: ca.certPem },
        subjectPublicKeyPem: newKeyPair().publicKeyPem,
        commonName: 'x',
        profile: 'workstation',
        now: NOW,
        validityDays: 1,
      }),
    ).rejects.toMatchObject({ code: 'input.invalid' });
  });

  it('refuses to issue from an end-entity certificate', async () => {
    const keys = newKeyPair();
    const leaf = await issueCertificate({
      ca,
      subjectPublicKeyPem: keys.publicKeyPem,
      commonName: 'Leaf',
      profile: 'workstation',
      now: NOW,
      validityDays: 10,
    });
    const refused = issueCertificate({
      ca: { keyPem: keys.privateKeyPem, certPem: leaf },
      subjectPublicKeyPem: newKeyPair().publicKeyPem,
      commonName: 'x',
      profile: 'workstation',
      now: NOW,
      validityDays: 1,
    });
    await expect(refused).rejects.toMatchObject({ code: 'input.invalid' });
    await expect(refused).rejects.toThrow(/not a CA/);
  });

  it('refuses non-P-256 keys, empty or overlong names and times outside the CA', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const base = {
      ca,
      subjectPublicKeyPem: newKeyPair().publicKeyPem,
      commonName: 'x',
      profile: 'user-signing' as const,
      now: NOW,
      validityDays: 10,
    };
    await expect(issueCertificate({ ...base, subjectPublicKeyPem: rsa.toString() })).rejects.toMatchObject({
      code: 'input.invalid',
    });
    await expect(issueCertificate({ ...base, commonName: '  ' })).rejects.toMatchObject({
      code: 'input.invalid',
    });
    await expect(issueCertificate({ ...base, commonName: 'ж'.repeat(65) })).rejects.toMatchObject({
      code: 'input.invalid',
    });
    await expect(issueCertificate({ ...base, now: new Date('2020-01-01T00:00:00Z') })).rejects.toMatchObject({
      code: 'input.invalid',
    });
    await expect(issueCertificate({ ...base, validityDays: 0 })).rejects.toMatchObject({
      code: 'input.invalid',
    });
    expect(() => certificateInfo('not a pem')).toThrow(expect.objectContaining({ code: 'input.invalid' }));
  });
});

describe('PEM helpers', () => {
  it('round-trip DER and wrap base64 at 64 columns', () => {
    const der = pemToDer(ca.certPem, 'CERTIFICATE');
    const pem = derToPem('CERTIFICATE', der);
    expect(pem).toBe(ca.certPem);
    for (const line of pem.trim().split('\n')) expect(line.length).toBeLessThanOrEqual(64);
    expect(() => pemToDer(ca.certPem, 'PRIVATE KEY')).toThrow(
      expect.objectContaining({ code: 'input.invalid' }),
    );
  });
});
