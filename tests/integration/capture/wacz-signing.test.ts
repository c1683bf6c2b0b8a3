import { createHash, X509Certificate, webcrypto } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { WARCParser } from 'warcio';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBackend } from '@core/backend';
import { verifyWacz } from '@core/bundle/verify-wacz';
import { createIntakeService } from '@core/intake/intake-service';
import type { WaczSigner } from '@core/capture/wacz-signing';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vigil, vigilProcess } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';
import { testWaczSigner } from '@tests/helpers/wacz-signer';
import { flipWarcByte, parseCdxj, rewriteWacz } from '@tests/helpers/wacz-tamper';
import { readZipEntry, startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

let env: CaptureEnv;
let signer: WaczSigner;
let signedWacz: string;
let unsignedWacz: string;
let pageUrl: string;

beforeAll(async () => {
  env = await startCaptureEnv();
  signer = await testWaczSigner();
  pageUrl = `${env.site.http}/`;
  const signed = await env.capture(pageUrl, { waczSigner: signer });
  const unsigned = await env.capture(pageUrl);
  const waczOf = (c: typeof signed): string => {
    const found = c.artifacts.find((a) => a.kind === 'wacz');
    if (!found) throw new Error('the capture has no WACZ');
    return found.file;
  };
  signedWacz = waczOf(signed);
  unsignedWacz = waczOf(unsigned);
});
afterAll(async () => {
  await env.close();
});

type Digest = {
  path: string;
  hash: string;
  signedData?: {
    hash: string;
    signature: string;
    domain: string;
    domainCert: string;
    created: string;
    software: string;
  };
};

const digestOf = async (file: string): Promise<Digest> =>
  JSON.parse((await readZipEntry(file, 'datapackage-digest.json')).toString('utf8')) as Digest;

describe('datapackage-digest.json follows the WACZ signing spec', () => {
  test('signedData: hash, P-256 signature by the workstation key that WebCrypto verifies, certificate, created, software', async () => {
    const digest = await digestOf(signedWacz);
    const datapackage = await readZipEntry(signedWacz, 'datapackage.json');
    const hash = `sha256:${Buffer.from(await webcrypto.subtle.digest('SHA-256', datapackage)).toString('hex')}`;
    expect(digest.path).toBe('datapackage.json');
    expect(digest.hash).toBe(hash);
    const signed = digest.signedData;
    expect(signed).toBeDefined();
    if (!signed) return;
    expect(signed.hash).toBe(hash);
    expect(signed.software).toBe('Vigil capture engine');
    expect(Number.isNaN(Date.parse(signed.created))).toBe(false);
    // The first certificate of domainCert (blank-line separated, as ReplayWeb.page reads it) is the
    // workstation's own, and it is the key that signed.
    const leafPem = signed.domainCert.split('\n\n')[0] ?? '';
    const leaf = new X509Certificate(leafPem);
    expect(leaf.fingerprint256).toBe(new X509Certificate(signer.certificatePem).fingerprint256);
    expect(signed.domain).toBe('Vigil workstation test-bench');
    // Exactly what a WebCrypto verifier does: the certificate's key, ECDSA/SHA-256, r‖s signature
    // over the UTF-8 text of the hash.
    const key = await webcrypto.subtle.importKey(
      'spki',
      leaf.publicKey.export({ type: 'spki', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const signature = Buffer.from(signed.signature, 'base64');
    expect(signature.length).toBe(64);
    const ok = await webcrypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      signature,
      new TextEncoder().encode(hash),
    );
    expect(ok).toBe(true);
  });

  test('vigil verify passes the signed WACZ and names who signed it', async () => {
    const report = await verifyWacz(signedWacz);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.check === 'wacz.signature')?.ok).toBe(true);
    expect(report.signer?.certificateSha256).toBe(
      new X509Certificate(signer.certificatePem).fingerprint256.replace(/:/g, '').toLowerCase(),
    );
  });

  test('a WACZ written without the workstation key is reported unsigned', async () => {
    expect((await digestOf(unsignedWacz)).signedData).toBeUndefined();
    const report = await verifyWacz(unsignedWacz);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.check === 'wacz.signature')).toMatchObject({ ok: false });
  });
});

describe('a re-signed or edited datapackage is caught', () => {
  const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

  test('datapackage.json edited and its digest recomputed: the signature no longer matches', async () => {
    const out = path.join(path.dirname(signedWacz), 'edited.wacz');
    let edited = Buffer.alloc(0);
    await rewriteWacz(signedWacz, out, (name, bytes) => {
      if (name === 'datapackage.json') {
        edited = Buffer.from(bytes.toString('utf8').replace('"title": "', '"title": "X'), 'utf8');
        return edited;
      }
      return bytes;
    });
    // A forger who recomputes the digests (but holds no key) keeps the old signature.
    const forged = path.join(path.dirname(signedWacz), 'forged.wacz');
    await rewriteWacz(out, forged, (name, bytes) => {
      if (name !== 'datapackage-digest.json') return bytes;
      const digest = JSON.parse(bytes.toString('utf8')) as Digest;
      const hash = sha(edited);
      return Buffer.from(
        JSON.stringify({ ...digest, hash, signedData: { ...digest.signedData, hash } }),
        'utf8',
      );
    });
    const report = await verifyWacz(forged);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.check === 'wacz.digest')?.ok).toBe(true);
    expect(report.checks.find((c) => c.check === 'wacz.signature')).toMatchObject({
      ok: false,
      message: 'the signature in datapackage-digest.json does not match its certificate',
    });
    // Only datapackage.json was edited: the digest check names it.
    const unsignedEdit = await verifyWacz(out);
    expect(unsignedEdit.checks.find((c) => c.check === 'wacz.digest')).toMatchObject({
      ok: false,
      file: 'datapackage.json',
    });
  });
});

describe('an index that points elsewhere is caught', () => {
  test('two CDXJ lines with their offsets swapped: each names the record it lands on', async () => {
    const out = path.join(path.dirname(signedWacz), 'swapped.wacz');
    await rewriteWacz(signedWacz, out, (name, bytes) => {
      if (name !== 'indexes/index.cdxj') return bytes;
      const lines = bytes.toString('utf8').split('\n').filter(Boolean);
      const fields = lines.map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>);
      const [a, b] = fields;
      if (!a || !b) throw new Error('the index has fewer than two lines');
      // Without the record digests, only the WARC-Target-URI at the offset can tell.
      [a['offset'], b['offset'], a['length'], b['length']] = [
        b['offset'],
        a['offset'],
        b['length'],
        a['length'],
      ];
      for (const f of fields) delete f['recordDigest'];
      return Buffer.from(
        lines.map((l, i) => `${l.slice(0, l.indexOf('{'))}${JSON.stringify(fields[i])}\n`).join(''),
        'utf8',
      );
    });
    const report = await verifyWacz(out);
    const index = report.checks.filter((c) => c.check === 'wacz.index' && !c.ok);
    expect(index).toHaveLength(2);
    for (const c of index)
      expect(c.message).toMatch(/: the record at archive\/data\.warc\.gz offset \d+ is of /);
  });
});

describe('the WACZ stays valid WACZ 1.1.1', () => {
  test('every entry is stored uncompressed, and pages.jsonl has url and ts', async () => {
    const zip = await yauzl.openPromise(signedWacz, { lazyEntries: true });
    const methods = new Map<string, number>();
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (e: yauzl.Entry) => {
        methods.set(e.fileName, e.compressionMethod);
        zip.readEntry();
      });
      zip.readEntry();
    });
    expect([...methods.keys()].sort()).toEqual([
      'archive/data.warc.gz',
      'datapackage-digest.json',
      'datapackage.json',
      'indexes/index.cdxj',
      'pages/pages.jsonl',
    ]);
    expect([...methods.values()].every((m) => m === 0)).toBe(true);
    const [header, ...pages] = (await readZipEntry(signedWacz, 'pages/pages.jsonl'))
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(header).toMatchObject({ format: 'json-pages-1.0' });
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) {
      expect(page['url']).toBe(pageUrl);
      expect(Number.isNaN(Date.parse(String(page['ts'])))).toBe(false);
    }
  });

  test("each CDXJ line's offset and length hold one WARC record of that URI", async () => {
    const warc = await readZipEntry(signedWacz, 'archive/data.warc.gz');
    const lines = parseCdxj((await readZipEntry(signedWacz, 'indexes/index.cdxj')).toString('utf8'));
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line.filename).toBe('data.warc.gz');
      expect(line.offset + line.length).toBeLessThanOrEqual(warc.length);
      const records = [];
      for await (const record of WARCParser.iterRecords([
        new Uint8Array(warc.subarray(line.offset, line.offset + line.length)),
      ])) {
        await record.readFully(false);
        records.push({ type: record.warcType, uri: record.warcTargetURI });
      }
      expect(records).toHaveLength(1);
      expect(records[0]?.uri).toBe(line.url);
      expect(['response', 'request', 'resource', 'revisit']).toContain(records[0]?.type);
    }
    expect(lines.some((l) => l.url === pageUrl)).toBe(true);
  });
});

describe('a changed WARC no longer verifies', () => {
  test('one flipped byte of the page record fails the WARC hash and the record digest', async () => {
    const lines = parseCdxj((await readZipEntry(signedWacz, 'indexes/index.cdxj')).toString('utf8'));
    const page = lines.find((l) => l.url === pageUrl);
    expect(page).toBeDefined();
    if (!page) return;
    const flipped = path.join(path.dirname(signedWacz), 'flipped.wacz');
    await flipWarcByte(signedWacz, flipped, page.offset + Math.floor(page.length / 2));
    const report = await verifyWacz(flipped);
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed.find((c) => c.check === 'wacz.resource')?.file).toBe('archive/data.warc.gz');
    // The record changed is named by its URL, through the digest the index keeps for it.
    const index = failed.find((c) => c.check === 'wacz.index')?.message ?? '';
    expect(index).toContain(pageUrl);
    expect(index).toContain('does not match its recordDigest');
    // The signature over datapackage.json still holds: what changed is named, not the signer.
    expect(report.checks.find((c) => c.check === 'wacz.signature')?.ok).toBe(true);
  });
});

describe('a lone WACZ of a sealed capture, checked with the built `vigil verify FILE.wacz`', () => {
  test('the capture service signs it with the workstation key; a flipped byte exits 1 naming the WARC', async () => {
    const dir = tempDir();
    const backend = await createBackend({ dataDir: dir.path, env: { VIGIL_BROWSER: CHROMIUM } });
    try {
      const intake = createIntakeService(backend.workspace);
      const { resource } = await intake.addReport(
        { url: pageUrl, sourceType: 'volunteer' },
        { actor: 'ivan', allowPrivateNetwork: true },
      );
      const record = await backend.captures.captureResource(resource.id, {
        operator: 'ivan',
        allowPrivateNetwork: true,
        tsaUrl: null,
        timeoutSeconds: 60,
      });
      const blob = record.artifacts.find((a) => a.kind === 'wacz')?.path;
      expect(blob).toBeDefined();
      if (!blob) return;
      // The artifact blob, sent alone under a .wacz name.
      const lone = path.join(dir.path, 'evidence.wacz');
      await copyFile(blob, lone);
      const good = await vigilProcess(['verify', lone, '--json']);
      expect(good.stderr).toBe('');
      expect(good.code).toBe(0);
      const workstationCert = await readFile(path.join(dir.path, 'keys', 'workstation.crt.pem'), 'utf8');
      const report = JSON.parse(good.stdout) as { ok: boolean; signer: { certificateSha256: string } };
      expect(report.ok).toBe(true);
      expect(report.signer.certificateSha256).toBe(
        new X509Certificate(workstationCert).fingerprint256.replace(/:/g, '').toLowerCase(),
      );

      const lines = parseCdxj((await readZipEntry(lone, 'indexes/index.cdxj')).toString('utf8'));
      const page = lines.find((l) => l.url === pageUrl);
      if (!page) throw new Error('the index has no line for the page');
      const flipped = path.join(dir.path, 'flipped.wacz');
      await flipWarcByte(lone, flipped, page.offset + Math.floor(page.length / 2));
      const bad = await vigilProcess(['verify', flipped]);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toMatch(/FAIL\s+wacz\.resource\s+archive\/data\.warc\.gz/);
      expect(bad.stdout).toContain('WACZ FAILED');

      // With a data dir, the same check is a custody event.
      const recorded = await vigil(['--data', dir.path, 'verify', flipped]);
      expect(recorded.code).toBe(1);
      const audit = await vigil([
        '--data',
        dir.path,
        'audit',
        'list',
        '--subject',
        `wacz-file:${flipped}`,
        '--json',
      ]);
      expect(JSON.parse(audit.stdout)).toEqual([
        expect.objectContaining({ action: 'wacz.verified', subject: `wacz-file:${flipped}` }),
      ]);
    } finally {
      await backend.close();
      dir.remove();
    }
  });
});
