import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPacket, type RenderedPacket } from '@core/packet/render-packet';
import { launchChromium } from '@tests/helpers/chromium';
import {
  makePacketModel,
  makeScreenshot,
  makeTempDir,
  makeTestSigner,
  makeTestTsa,
  writeCaptureFiles,
} from '@tests/helpers/packet-fixtures';

const CLOCK = () => new Date('2026-11-22T10:20:00.000Z');

type QpdfObject = { value?: Record<string, unknown>; stream?: { dict: Record<string, unknown> } };
type QpdfJson = { qpdf: [Record<string, unknown>, Record<string, QpdfObject>] };

let dir: string;
let browser: Browser;
let signed: RenderedPacket;
let json: QpdfJson;
let nss: string;

const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** The dictionary of object `ref` ("12 0 R"), a stream's or a plain one's. */
function dictOf(ref: unknown): Record<string, unknown> {
  const obj = json.qpdf[1][`obj:${String(ref)}`];
  const d = obj?.stream?.dict ?? obj?.value;
  if (d === undefined || typeof d !== 'object') throw new Error(`no dictionary ${String(ref)}`);
  return d;
}

const allDicts = (): Record<string, unknown>[] =>
  Object.values(json.qpdf[1])
    .map((o) => o.stream?.dict ?? o.value)
    .filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object' && !Array.isArray(d));

const trailer = (): Record<string, unknown> => json.qpdf[1]['trailer']?.value ?? {};
const root = (): Record<string, unknown> => dictOf(trailer()['/Root']);
const objectNumber = (ref: unknown): string => String(ref).split(' ')[0] ?? '';
const streamBytes = (ref: unknown): Buffer =>
  spawnSync('qpdf', [`--show-object=${objectNumber(ref)}`, '--filtered-stream-data', signed.file], {
    maxBuffer: 64 * 1024 * 1024,
  }).stdout;
const deref = (v: unknown): Record<string, unknown> =>
  typeof v === 'string' ? dictOf(v) : (v as Record<string, unknown>);

let crlDer: Buffer;
let tsaCaPem: string;
let signerCertDer: Buffer;
let caCertDer: Buffer;

const pemDer = (pem: string): Buffer =>
  Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

/** An (empty) X.509 v2 CRL of the test CA, made by `openssl ca -gencrl`. */
function makeCrl(keysDir: string, caCertFile: string): Buffer {
  const f = (name: string) => join(keysDir, name);
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('crlnumber'), '01\n');
  writeFileSync(
    f('ca.cnf'),
    `[ca]\ndefault_ca = c\n[c]\ndatabase = ${f('index.txt')}\ncrlnumber = ${f('crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 30\n`,
  );
  const r = run('openssl', [
    'ca',
    '-config',
    f('ca.cnf'),
    '-gencrl',
    '-keyfile',
    f('ca.key'),
    '-cert',
    caCertFile,
    '-out',
    f('ca.crl.pem'),
  ]);
  expect(r.status, r.stderr).toBe(0);
  return pemDer(readFileSync(f('ca.crl.pem'), 'utf8'));
}

beforeAll(async () => {
  dir = makeTempDir('packet-pdfa');
  browser = await launchChromium(join(dir, 'chromium'));
  const shot = await makeScreenshot(browser, join(dir, 'full.png'), { height: 3000, title: 'Example Shop' });
  const files = writeCaptureFiles(join(dir, 'capture'), [shot]);
  const signer = makeTestSigner(join(dir, 'keys'));
  const tsa = makeTestTsa(join(dir, 'tsa'));
  crlDer = makeCrl(join(dir, 'keys'), signer.caCertFile);
  tsaCaPem = readFileSync(tsa.caFile, 'utf8');
  signed = await renderPacket({
    model: makePacketModel({ language: 'en', files, decided: true }),
    browser,
    workDir: join(dir, 'out'),
    clock: CLOCK,
    signer: {
      ...signer,
      timestamp: tsa.timestamp,
      validation: { certificatesPem: [tsaCaPem], crlsDer: [crlDer] },
    },
  });
  signerCertDer = pemDer(signer.certificatePem);
  caCertDer = pemDer(readFileSync(signer.caCertFile, 'utf8'));
  const q = run('qpdf', ['--json', '--json-stream-data=none', signed.file]);
  expect(q.status, q.stderr).toBe(0);
  json = JSON.parse(q.stdout) as QpdfJson;
  nss = join(dir, 'nss');
  run('mkdir', ['-p', nss]);
  expect(run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']).status).toBe(0);
  expect(
    run('certutil', ['-A', '-d', `sql:${nss}`, '-n', 'ca', '-t', 'C,C,C', '-i', signer.caCertFile]).status,
  ).toBe(0);
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe('the review packet as PDF/A-3b (what qpdf --json can see of ISO 19005-3)', () => {
  it('declares pdfaid part 3, conformance B in XMP that repeats the document information', () => {
    const meta = dictOf(root()['/Metadata']);
    expect(meta).toMatchObject({ '/Type': '/Metadata', '/Subtype': '/XML' });
    const xmp = streamBytes(root()['/Metadata']).toString('utf8');
    expect(xmp).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(xmp).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    const info = dictOf(trailer()['/Info']);
    const title = String(info['/Title']).replace(/^u:/, '');
    expect(xmp).toContain(`<rdf:li xml:lang="x-default">${title}</rdf:li>`);
    expect(xmp).toContain(`<pdf:Producer>${String(info['/Producer']).replace(/^u:/, '')}</pdf:Producer>`);
    expect(xmp).toContain('<xmp:CreateDate>2026-11-22T10:20:00Z</xmp:CreateDate>');
    expect(info['/CreationDate']).toBe('u:D:20261122102000Z');
    expect(Array.isArray(trailer()['/ID'])).toBe(true);
  });

  it('has an sRGB OutputIntent whose profile is an ICC RGB display profile', () => {
    const intents = root()['/OutputIntents'];
    expect(Array.isArray(intents)).toBe(true);
    const intent = deref((intents as unknown[])[0]);
    expect(intent).toMatchObject({ '/S': '/GTS_PDFA1', '/OutputConditionIdentifier': 'u:sRGB IEC61966-2.1' });
    expect(dictOf(intent['/DestOutputProfile'])['/N']).toBe(3);
    const icc = streamBytes(intent['/DestOutputProfile']);
    expect(icc.readUInt32BE(0)).toBe(icc.length);
    expect(icc.toString('latin1', 12, 24)).toBe('mntrRGB XYZ ');
    expect(icc.toString('latin1', 36, 40)).toBe('acsp');
  });

  it('is not encrypted', () => {
    expect((json as unknown as { encrypt: { encrypted: boolean } }).encrypt.encrypted).toBe(false);
    expect(trailer()['/Encrypt']).toBeUndefined();
  });

  it('embeds every font (no Type 3, every descriptor with its font file)', () => {
    const fonts = allDicts().filter((d) => d['/Type'] === '/Font');
    expect(fonts.length).toBeGreaterThan(0);
    for (const font of fonts) {
      expect(font['/Subtype']).not.toBe('/Type3');
      const descendants = font['/DescendantFonts'];
      const leaves = Array.isArray(descendants) ? descendants.map(deref) : [font];
      for (const leaf of leaves) {
        const descriptor = deref(leaf['/FontDescriptor']);
        const file = descriptor['/FontFile'] ?? descriptor['/FontFile2'] ?? descriptor['/FontFile3'];
        expect(file, String(font['/BaseFont'])).toBeDefined();
      }
    }
  });

  it('gives every attachment an AFRelationship and a MIME type, and lists each in the catalog /AF', () => {
    const af = root()['/AF'] as unknown[];
    const specs = Object.entries(json.qpdf[1])
      .filter(([, o]) => o.value?.['/Type'] === '/Filespec')
      .map(([key]) => key.replace(/^obj:/, ''));
    expect(specs.length).toBeGreaterThanOrEqual(3);
    expect([...af].sort()).toEqual([...specs].sort());
    for (const ref of specs) {
      const spec = dictOf(ref);
      expect(['/Source', '/Data', '/Alternative', '/Supplement', '/Unspecified']).toContain(
        spec['/AFRelationship'],
      );
      const ef = spec['/EF'] as Record<string, unknown>;
      expect(String(dictOf(ef['/F'])['/Subtype'])).toMatch(/^\/[a-z]+\/./);
    }
  });

  it('uses no transfer functions or blend modes outside the standard ones (ISO 19005-3 §6.2.10)', () => {
    const standard = ['/Normal', '/Compatible', '/Multiply', '/Screen', '/Overlay', '/Darken', '/Lighten'];
    for (const d of allDicts()) {
      expect(d['/TR']).toBeUndefined();
      expect(d['/TR2'] === undefined || d['/TR2'] === '/Default').toBe(true);
      if (d['/BM'] !== undefined) expect(standard).toContain(d['/BM']);
      const group = d['/Group'] === undefined ? undefined : deref(d['/Group']);
      // A transparency group's colour space is DeviceRGB or unset: the sRGB OutputIntent defines both.
      if (group !== undefined && group['/CS'] !== undefined) expect(group['/CS']).toBe('/DeviceRGB');
    }
  });

  it('carries PAdES B-LT validation data: a DSS with the signer, CA and TSA certificates and the CA CRL', () => {
    const dss = deref(root()['/DSS']);
    expect(dss['/Type']).toBe('/DSS');
    const certs = (dss['/Certs'] as unknown[]).map((ref) => streamBytes(ref));
    for (const want of [signerCertDer, caCertDer, pemDer(tsaCaPem)])
      expect(certs.some((c) => c.equals(want))).toBe(true);
    const crls = (dss['/CRLs'] as unknown[]).map((ref) => streamBytes(ref));
    expect(crls).toHaveLength(1);
    expect(crls[0]?.equals(crlDer)).toBe(true);
    expect(deref(deref(root()['/Extensions'])['/ESIC'])).toMatchObject({ '/ExtensionLevel': 5 });
  });

  it('stays a valid PAdES signature over the whole document (pdfsig)', () => {
    const out = run('pdfsig', ['-nssdir', `sql:${nss}`, signed.file]).stdout;
    expect(out).toContain('Signature Validation: Signature is Valid.');
    expect(out).toContain('Total document signed');
  });
});
