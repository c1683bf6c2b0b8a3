import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '@tests/helpers/openssl';

export type TestPki = Readonly<{
  /** The unit's CA certificate (PEM) that clients trust. */
  ca: string;
  /** The server's certificate, issued by that CA for 127.0.0.1, localhost and vigil.test. */
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  /** A CA nobody asked to trust, and a certificate it issued for the same names. */
  rogueCa: string;
  rogueCert: string;
  rogueKey: string;
}>;

async function openssl(args: readonly string[]): Promise<void> {
  const result = await run('openssl', args);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

async function issueCa(dir: string, name: string): Promise<void> {
  await openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.pem`),
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

async function issueServer(dir: string, ca: string, name: string): Promise<void> {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:vigil.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  await openssl([
    'req',
    ...EC,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.csr`),
    '-subj',
    '/CN=vigil.test',
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    join(dir, `${name}.csr`),
    '-CA',
    join(dir, `${ca}.pem`),
    '-CAkey',
    join(dir, `${ca}.key`),
    '-CAcreateserial',
    '-out',
    join(dir, `${name}.pem`),
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
}

/** A test unit CA and a server certificate it issued, plus a look-alike from a CA nobody trusts. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  await issueCa(dir, 'unit-ca');
  await issueServer(dir, 'unit-ca', 'server');
  await issueCa(dir, 'rogue-ca');
  await issueServer(dir, 'rogue-ca', 'rogue');
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  return {
    ca: read('unit-ca.pem'),
    cert: read('server.pem'),
    key: read('server.key'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    rogueCa: read('rogue-ca.pem'),
    rogueCert: read('rogue.pem'),
    rogueKey: read('rogue.key'),
  };
}
