import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBackend } from '@core/backend';
import type { Backend } from '@core/backend';
import type { RawCapture } from '@core/capture/raw-capture';
import { createIntakeService } from '@core/intake/intake-service';
import { CaptureRecord } from '@shared/domain/capture-record';
import { CHROMIUM } from '@tests/helpers/chromium';
import { run } from '@tests/helpers/openssl';
import { TEST_PROFILE, startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

type Server = { url: string; certSha256: string; close(): Promise<void> };

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function openssl(args: readonly string[]): Promise<void> {
  const r = await run('openssl', args);
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

/** A self-signed certificate for 127.0.0.1 and localhost, valid now. */
async function selfSigned(dir: string, name: string, cn: string): Promise<{ key: string; cert: string }> {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  await openssl([
    'req',
    '-x509',
    ...EC,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    SAN,
  ]);
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

/** A leaf issued by a (untrusted) test authority whose validity ended before the test started. */
async function expired(dir: string): Promise<{ key: string; cert: string }> {
  const ca = await selfSigned(dir, 'ca', 'Vigil test authority');
  const key = path.join(dir, 'expired.key');
  const csr = path.join(dir, 'expired.csr');
  const cert = path.join(dir, 'expired.pem');
  const ext = path.join(dir, 'expired.ext');
  await openssl(['req', ...EC, '-keyout', key, '-out', csr, '-subj', '/CN=Vigil expired site']);
  await writeFile(ext, `${SAN}\n`);
  // A negative validity ends the certificate a day before it starts: expired from the first moment.
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    path.join(dir, 'ca.pem'),
    '-CAkey',
    path.join(dir, 'ca.key'),
    '-CAcreateserial',
    '-days',
    '-1',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  // The server presents its chain: the leaf, then the authority.
  return { key: await readFile(key, 'utf8'), cert: (await readFile(cert, 'utf8')) + ca.cert };
}

async function serve(
  creds: { key: string; cert: string },
  routes: Readonly<Record<string, { type: string; body: Buffer }>>,
): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = https.createServer(creds, (req, res) => {
    const route = routes[req.url ?? ''];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': route.type, 'content-length': route.body.length });
    res.end(route.body);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const leaf = new X509Certificate(creds.cert);
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    certSha256: sha256(leaf.raw),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The document body exactly as sent: windows-1251 bytes that the DOM artifact re-encodes as UTF-8. */
const RAW_PAGE = Buffer.concat([
  Buffer.from('<!doctype html><html><head><meta charset="windows-1251"><title>raw</title></head><body><p>'),
  Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]),
  Buffer.from('</p></body></html>\n'),
]);

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#c00"/></svg>',
);

let env: CaptureEnv;
let dir: string;
let images: Server;
let selfSignedSite: Server;
let expiredSite: Server;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vigil-certs-'));
  const [imageCreds, siteCreds, expiredCreds] = await Promise.all([
    selfSigned(dir, 'images', 'Vigil image origin'),
    selfSigned(dir, 'site', 'Vigil self-signed site'),
    expired(dir),
  ]);
  images = await serve(imageCreds, { '/pixel.svg': { type: 'image/svg+xml', body: SVG } });
  // The image comes from another origin (localhost, another port) with a certificate of its own.
  const imageUrl = `${images.url.replace('127.0.0.1', 'localhost')}/pixel.svg`;
  const page = Buffer.from(
    `<!doctype html><html lang="en"><head><title>Self-signed</title></head><body><h1>Self-signed shop</h1><img src="${imageUrl}" width="40" height="40"></body></html>`,
  );
  selfSignedSite = await serve(siteCreds, {
    '/': { type: 'text/html; charset=utf-8', body: page },
    '/raw': { type: 'text/html; charset=windows-1251', body: RAW_PAGE },
  });
  expiredSite = await serve(expiredCreds, {
    '/': {
      type: 'text/html',
      body: Buffer.from('<!doctype html><title>Expired</title><h1>Expired shop</h1>'),
    },
  });
  env = await startCaptureEnv();
});

afterAll(async () => {
  await env?.close();
  await Promise.all([images?.close(), selfSignedSite?.close(), expiredSite?.close()]);
  await rm(dir, { recursive: true, force: true });
});

function artifactFile(c: RawCapture, kind: string, name?: string): string {
  const a = c.artifacts.find((x) => x.kind === kind && (name === undefined || x.name === name));
  if (!a) throw new Error(`no ${kind} artifact in ${c.artifacts.map((x) => x.name).join(', ')}`);
  return a.file;
}

async function pemFingerprints(file: string): Promise<string[]> {
  const pem = await readFile(file, 'utf8');
  return (pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []).map((block) =>
    sha256(new X509Certificate(block).raw),
  );
}

describe('certificate errors are evidence', () => {
  test('a self-signed page is captured with the error, its chain and every origin it loaded from', async () => {
    const c = await env.capture(`${selfSignedSite.url}/`);
    expect(c.outcome).toBe('complete');
    expect(c.tls?.valid).toBe(false);
    expect(c.tls?.error).toMatch(/ERR_CERT_AUTHORITY_INVALID/);
    expect(c.tls?.problems).toEqual(['self-signed']);
    expect(await pemFingerprints(artifactFile(c, 'certificate', 'certificate-chain.pem'))).toEqual([
      selfSignedSite.certSha256,
    ]);
    const warning = c.warnings.find((w) => w.code === 'tls.certificate-error-ignored');
    expect(warning?.message).toMatch(/captured anyway/);

    const imageOrigin = images.url.replace('127.0.0.1', 'localhost');
    expect(c.certificates?.map((o) => [o.origin, o.sha256Fingerprint, o.valid])).toEqual([
      [selfSignedSite.url, selfSignedSite.certSha256, false],
      [imageOrigin, images.certSha256, false],
    ]);
    const image = c.certificates?.[1];
    expect(image?.problems).toEqual(['self-signed']);
    // Chromium keeps no chain for an image's origin: it is read from the same server and matched.
    expect(image?.chainSource).toBe('handshake');
    expect(image?.chainArtifact).not.toBeNull();
    expect(await pemFingerprints(artifactFile(c, 'certificate', image?.chainArtifact ?? ''))).toEqual([
      images.certSha256,
    ]);
  });

  test('an expired certificate is captured, named as expired, with the chain as presented', async () => {
    const c = await env.capture(`${expiredSite.url}/`);
    expect(c.outcome).toBe('complete');
    expect(c.page.title).toBe('Expired');
    expect(c.tls?.valid).toBe(false);
    expect(c.tls?.problems).toEqual(expect.arrayContaining(['expired']));
    expect(c.tls?.error).toMatch(/net::ERR_CERT_[A-Z_]+: the certificate is expired/);
    expect(await pemFingerprints(artifactFile(c, 'certificate', 'certificate-chain.pem'))).toHaveLength(2);
    expect(c.tls?.sha256Fingerprint).toBe(expiredSite.certSha256);
  });

  test('with certificateErrors refuse the page is not captured, and the warning says so', async () => {
    const c = await env.capture(`${expiredSite.url}/`, {
      profile: { ...TEST_PROFILE, certificateErrors: 'refuse' },
    });
    expect(c.outcome).toBe('failed');
    expect(c.error?.code).toBe('capture.tls-failed');
    expect(c.warnings.map((w) => w.code)).not.toContain('tls.certificate-error-ignored');
    const refused = c.warnings.find((w) => w.code === 'tls.certificate-refused');
    expect(refused?.message).toMatch(/refuses such pages .*not loaded/);
    expect(c.warnings.map((w) => w.message).join('\n')).not.toMatch(/let it through|captured anyway/);
  });
});

describe('the raw document', () => {
  test('is an artifact of its own with the bytes the server sent', async () => {
    const c = await env.capture(`${selfSignedSite.url}/raw`);
    expect(c.outcome).toBe('complete');
    const raw = await readFile(artifactFile(c, 'document-raw'));
    expect(raw.equals(RAW_PAGE)).toBe(true);
    const dom = await readFile(artifactFile(c, 'dom'));
    expect(dom.equals(RAW_PAGE)).toBe(false);
  });
});

describe('the sealed record', () => {
  let backend: Backend | undefined;
  afterAll(async () => {
    await backend?.close();
  });

  test('with the default profile keeps the page, tls.valid false, the error and every origin', async () => {
    backend = await createBackend({ dataDir: path.join(dir, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
    const intake = createIntakeService(backend.workspace);
    const { resource } = await intake.addReport(
      { url: `${selfSignedSite.url}/`, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    // No certificate flag in the request: the default profile records certificate errors.
    const record = await backend.captures.captureResource(resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: null,
      timeoutSeconds: 60,
    });
    expect(CaptureRecord.strict().safeParse(record).success).toBe(true);
    expect(record.outcome).toBe('complete');
    expect(record.tls).toMatchObject({ valid: false, problems: ['self-signed'] });
    expect(record.tls?.error).toMatch(/ERR_CERT_AUTHORITY_INVALID/);
    expect(record.certificates?.map((c) => c.sha256Fingerprint)).toEqual([
      selfSignedSite.certSha256,
      images.certSha256,
    ]);
    expect(record.artifacts.map((a) => a.kind)).toContain('document-raw');
    const manifest = record.artifacts.find((a) => a.kind === 'manifest');
    const sealed = JSON.parse(await readFile(manifest?.path ?? '', 'utf8')) as {
      tls: { valid: boolean };
      certificates: unknown[];
    };
    expect(sealed.tls.valid).toBe(false);
    expect(sealed.certificates).toHaveLength(2);
  });
});
