import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '@core/custody/canonical-json';
import { fontFaceCss } from '@core/packet/packet-html';
import type { PacketModel } from '@core/packet/packet-model';
import { signPdf } from '@core/packet/pades-signer';
import { findFontsDir } from '@core/packet/packet-fonts';
import { parsePng } from '@core/packet/packet-png';
import { renderPacket } from '@core/packet/render-packet';
import type { RenderedPacket } from '@core/packet/render-packet';
import type { PacketScreenshot } from '@core/packet/packet-model';
import { launchChromium } from '@tests/helpers/chromium';
import {
  makePacketModel,
  makeScreenshot,
  makeTempDir,
  makeTestSigner,
  makeTestTsa,
  TEXT,
  writeCaptureFiles,
} from '@tests/helpers/packet-fixtures';
import type { FixtureCaptureFiles, TestSigner } from '@tests/helpers/packet-fixtures';

const OUTPUT = join(process.cwd(), 'tests', 'output', 'packet');
const CLOCK = () => new Date('2026-11-22T10:20:00.000Z');
const SHIPPED_FONTS = new Set([
  'NotoSans-Regular',
  'NotoSans-Bold',
  'NotoNaskhArabic-Regular',
  'NotoNaskhArabic-Bold',
  'NotoSansMono-Regular',
]);

type Run = { status: number | null; stdout: string; stderr: string };
function run(cmd: string, args: string[], input?: Buffer): Run {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, input, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** pdftotext output with bidi controls removed, presentation forms folded (NFKC) and spaces collapsed. */
function normalise(text: string): string {
  return text
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .normalize('NFKC')
    .replace(/\s+/g, ' ')
    .trim();
}
const pdfText = (file: string, page?: number): string =>
  normalise(
    run('pdftotext', [...(page === undefined ? [] : ['-f', String(page), '-l', String(page)]), file, '-'])
      .stdout,
  );

/** Minimal PNG decoder (8-bit RGB, non-interlaced): inflate IDAT and undo the per-row filters. */
function decodeRgb8(png: Buffer): { width: number; height: number; pixels: Buffer } {
  const info = parsePng(png);
  expect(info.colorType).toBe(2);
  expect(info.bitDepth).toBe(8);
  const raw = inflateSync(info.idat);
  const bpp = 3;
  const stride = info.width * bpp;
  const out = Buffer.alloc(stride * info.height);
  for (let y = 0; y < info.height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    for (let x = 0; x < stride; x++) {
      const r = raw[src + x] ?? 0;
      const a = x >= bpp ? (out[y * stride + x - bpp] ?? 0) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= bpp && y > 0 ? (out[(y - 1) * stride + x - bpp] ?? 0) : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = r;
          break;
        case 1:
          v = r + a;
          break;
        case 2:
          v = r + b;
          break;
        case 3:
          v = r + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = r + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`bad PNG filter ${String(filter)}`);
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  return { width: info.width, height: info.height, pixels: out };
}

/** The /Contents CMS and the signed bytes of the last signature in a PDF. */
function extractSignature(pdf: Buffer): { cms: Buffer; signed: Buffer } {
  const text = pdf.toString('latin1');
  const m = [...text.matchAll(/\/ByteRange \[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g)].pop();
  if (m === undefined) throw new Error('no ByteRange');
  const [a, b, c, d] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  const hex = pdf.toString('latin1', a + b + 1, c - 1);
  const cmsAll = Buffer.from(hex, 'hex');
  const parsed = asn1js.fromBER(new Uint8Array(cmsAll).buffer);
  const cms = cmsAll.subarray(0, parsed.offset);
  return { cms, signed: Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]) };
}

/** Presentation-form code points a font's ToUnicode map assigns to glyphs (U+FB50–U+FEFF). */
function arabicFormsInPdf(pdf: string): Set<number> {
  const forms = new Set<number>();
  const list = run('pdffonts', [pdf])
    .stdout.split('\n')
    .filter((l) => l.includes('NotoNaskhArabic'));
  for (const line of list) {
    const cols = line.trim().split(/\s+/);
    const obj = cols[cols.length - 2] ?? '';
    const font = run('qpdf', [`--show-object=${obj}`, pdf]).stdout;
    const tu = /\/ToUnicode (\d+) 0 R/.exec(font)?.[1];
    if (tu === undefined) continue;
    const cmap = run('qpdf', [`--show-object=${tu}`, '--filtered-stream-data', pdf]).stdout;
    for (const m of cmap.matchAll(/<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,})>/g)) {
      const cp = parseInt((m[2] ?? '').slice(0, 4), 16);
      if (cp >= 0xfb50 && cp <= 0xfeff) forms.add(cp);
    }
  }
  return forms;
}

let dir = '';
let browser: Browser;
let files: FixtureCaptureFiles;
let signer: TestSigner;
let tsaCaFile = '';
let shotFull: PacketScreenshot;
const packets: Partial<Record<'en' | 'ar' | 'ru', RenderedPacket>> = {};
const models: Partial<Record<'en' | 'ar' | 'ru', PacketModel>> = {};

beforeAll(async () => {
  dir = makeTempDir('packet');
  mkdirSync(OUTPUT, { recursive: true });
  browser = await launchChromium(join(dir, 'chromium'));
  shotFull = await makeScreenshot(browser, join(dir, 'full.png'), { height: 9000, title: 'Example Shop' });
  const viewport = await makeScreenshot(browser, join(dir, 'viewport.png'), {
    height: 800,
    hue: 20,
    title: 'Viewport',
  });
  files = writeCaptureFiles(join(dir, 'capture'), [shotFull, viewport]);
  signer = makeTestSigner(join(dir, 'keys'));
  const tsa = makeTestTsa(join(dir, 'tsa'));
  tsaCaFile = tsa.caFile;

  models.en = makePacketModel({ language: 'en', files, decided: true });
  packets.en = await renderPacket({
    model: models.en,
    browser,
    workDir: join(dir, 'en'),
    clock: CLOCK,
    signer: { ...signer, timestamp: tsa.timestamp },
  });
  models.ar = makePacketModel({ language: 'ar', files, decided: true });
  packets.ar = await renderPacket({
    model: models.ar,
    browser,
    workDir: join(dir, 'ar'),
    clock: CLOCK,
    signer,
  });
  models.ru = makePacketModel({ language: 'ru', files, decided: false });
  packets.ru = await renderPacket({ model: models.ru, browser, workDir: join(dir, 'ru'), clock: CLOCK });
  for (const [lang, p] of Object.entries(packets)) copyFileSync(p.file, join(OUTPUT, `packet-${lang}.pdf`));
});

afterAll(async () => {
  await browser?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const packet = (lang: 'en' | 'ar' | 'ru'): RenderedPacket => {
  const p = packets[lang];
  if (p === undefined) throw new Error(`no ${lang} packet`);
  return p;
};

describe('PDF review packet', () => {
  it('is a structurally valid PDF (qpdf --check) whose hash is reported', () => {
    for (const lang of ['en', 'ar', 'ru'] as const) {
      const p = packet(lang);
      const check = run('qpdf', ['--check', p.file]);
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain('No syntax or stream encoding errors found');
      expect(check.stdout + check.stderr).not.toMatch(/WARNING/);
      expect(createHash('sha256').update(readFileSync(p.file)).digest('hex')).toBe(p.sha256);
      expect(run('pdfinfo', [p.file]).stdout).toMatch(new RegExp(`Pages:\\s+${p.pages}\\n`));
    }
  });

  it('embeds only the shipped fonts', () => {
    for (const lang of ['en', 'ar', 'ru'] as const) {
      const lines = run('pdffonts', [packet(lang).file])
        .stdout.trim()
        .split('\n')
        .slice(2);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const cols = line.trim().split(/\s+/);
        const name = (cols[0] ?? '').replace(/^[A-Z]{6}\+/, '');
        expect(SHIPPED_FONTS.has(name), line).toBe(true);
        expect(cols[cols.length - 5], `${line}: embedded`).toBe('yes');
      }
    }
    expect(run('pdffonts', [packet('ar').file]).stdout).toContain('NotoNaskhArabic-Regular');
  });

  it('puts the English and Russian text, page numbers and a Bates stamp on every page', () => {
    const en = pdfText(packet('en').file);
    expect(en).toContain('Evidence review packet');
    expect(en).toContain(normalise(TEXT.en.facts));
    expect(en).toContain(normalise(TEXT.en.cited));
    expect(en).toContain('https://сайт.рф/shop/item?id=42');
    const ru = pdfText(packet('ru').file);
    expect(ru).toContain('Пакет материалов для проверки');
    expect(ru).toContain('Выписка из журнала цепочки хранения');
    for (const lang of ['en', 'ru'] as const) {
      const p = packet(lang);
      for (let i = 1; i <= p.pages; i++) {
        const page = pdfText(p.file, i);
        expect(page).toContain(`CASE-REF-${String(i).padStart(6, '0')}`);
        expect(page).toContain(lang === 'en' ? `Page ${i} of ${p.pages}` : `Страница ${i} из ${p.pages}`);
      }
    }
  });

  it('extracts each Arabic phrase in logical order', () => {
    const ar = pdfText(packet('ar').file);
    for (const phrase of [
      'ملف مراجعة الأدلة',
      'القرار والأساس القانوني',
      'مقتطف من سجل سلسلة الحيازة',
      'جدول بصمات الملفات',
      // pdftotext moves punctuation around in RTL lines: compare the runs between punctuation.
      ...TEXT.ar.explanation.split(/[،.]/),
      ...TEXT.ar.cited.split(/[،.]/),
      ...TEXT.ar.facts.split(/[،.]/),
      'ليلى حداد',
    ].filter((p) => p.trim() !== '')) {
      expect(ar, phrase).toContain(normalise(phrase));
    }
    expect(ar).toContain('https://xn--80aswg.xn--p1ai/shop/item?id=42');
    expect(ar).toContain('2026-11-22T09:58:01.123Z');
    // The footer mixes Arabic and digits in one line, which pdftotext reorders; check its parts.
    const footer = pdfText(packet('ar').file, 2);
    expect(footer).toContain('صفحة');
    expect(footer).toContain('CASE-REF-000002');
    expect(footer).toMatch(new RegExp(`\\b${packet('ar').pages}\\b`));
  });

  it('shapes Arabic (contextual glyph forms) and sets it right to left; a mis-shaped reference has none', async () => {
    const forms = arabicFormsInPdf(packet('ar').file);
    // Chromium's ToUnicode maps each shaped glyph to the presentation form it shows (U+FE91 beh
    // initial, U+FEA4 hah medial…): joined forms are only there when HarfBuzz shaped the text.
    const joined = [...forms].filter((cp) => cp >= 0xfe70 && cp <= 0xfefc);
    expect(joined.length).toBeGreaterThan(20);

    // Control: the same words printed by the same Chromium with every letter forced apart (ZWNJ).
    const page = await browser.newPage();
    try {
      const fontDir = findFontsDir();
      const css = fontFaceCss({
        sansRegular: readFileSync(join(fontDir, 'NotoSans-Regular.ttf')),
        sansBold: readFileSync(join(fontDir, 'NotoSans-Bold.ttf')),
        naskhRegular: readFileSync(join(fontDir, 'NotoNaskhArabic-Regular.ttf')),
        naskhBold: readFileSync(join(fontDir, 'NotoNaskhArabic-Bold.ttf')),
        mono: readFileSync(join(fontDir, 'NotoSansMono-Regular.ttf')),
      });
      const broken = [...'ملف مراجعة الأدلة القرار والأساس القانوني'].join('\u200c');
      await page.setContent(
        `<html dir="rtl"><style>${css} body{font-family:'VigilNaskh'}</style><body><p>${broken}</p></body></html>`,
      );
      await page.evaluate('document.fonts.ready.then(() => true)');
      const reference = join(dir, 'misshaped.pdf');
      writeFileSync(reference, await page.pdf({ format: 'A4' }));
      expect(run('pdffonts', [reference]).stdout).toContain('NotoNaskhArabic-Regular');
      // Isolated letters map to base code points (U+06xx), never to joining forms.
      expect([...arabicFormsInPdf(reference)]).toEqual([]);
    } finally {
      await page.close();
    }

    // Rendered cover: the title of a right-to-left document sits against the right margin.
    const base = join(OUTPUT, 'ar-cover');
    const r = run('pdftoppm', ['-r', '60', '-f', '1', '-l', '1', '-png', packet('ar').file, base]);
    expect(r.status, r.stderr).toBe(0);
    const bbox = run('pdftotext', ['-f', '1', '-l', '1', '-bbox', packet('ar').file, '-']).stdout;
    const words = [
      ...bbox.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</g),
    ];
    // -bbox lists words in visual order (characters left to right), so reverse them to read them.
    const visual = (w: string) => normalise([...w].reverse().join(''));
    const at = (word: string) => {
      const hit = words.find((w) => visual(w[4] ?? '') === normalise(word));
      expect(hit, `${word} on the cover`).toBeDefined();
      return { xMin: Number(hit?.[1]), xMax: Number(hit?.[3]) };
    };
    const [first, second, third] = [at('ملف'), at('مراجعة'), at('الأدلة')];
    // Right to left: the first word is rightmost, against the right margin (15 mm = 42.5 pt).
    expect(first.xMax).toBeGreaterThan(545);
    expect(first.xMin).toBeGreaterThan(second.xMax);
    expect(second.xMin).toBeGreaterThan(third.xMax);
  });

  it('draws the stored PNG bytes unchanged: the image stream is the PNG IDAT data, pixels equal', () => {
    const list = run('pdfimages', ['-list', packet('en').file])
      .stdout.trim()
      .split('\n')
      .slice(2);
    const full = list.map((l) => l.trim().split(/\s+/)).filter((c) => c[3] === '1280' && c[4] === '9000');
    // One image object, shown once per slice page.
    const objects = new Set(full.map((c) => c[10]));
    expect(objects.size).toBe(1);
    expect(full.length).toBe(6);
    const obj = [...objects][0] ?? '';
    const raw = spawnSync('qpdf', [`--show-object=${obj}`, '--raw-stream-data', packet('en').file], {
      maxBuffer: 64 * 1024 * 1024,
    }).stdout;
    const original = readFileSync(shotFull.file);
    expect(Buffer.compare(raw, parsePng(original).idat)).toBe(0);

    const out = join(dir, 'extracted');
    const firstPage = full[0]?.[0] ?? '1';
    run('pdfimages', ['-png', '-f', firstPage, '-l', firstPage, packet('en').file, out]);
    const extracted = readdirSync(dir).filter((f) => f.startsWith('extracted') && f.endsWith('.png'));
    const big = extracted.map((f) => readFileSync(join(dir, f))).find((b) => parsePng(b).height === 9000);
    expect(big).toBeDefined();
    const a = decodeRgb8(original);
    const b = decodeRgb8(big ?? Buffer.alloc(0));
    expect(b.width).toBe(a.width);
    expect(Buffer.compare(a.pixels, b.pixels)).toBe(0);
  });

  it('attaches the decision record, manifests, screenshots and WACZ byte for byte', () => {
    const p = packet('en');
    const out = join(dir, 'detached');
    mkdirSync(out, { recursive: true });
    expect(run('pdfdetach', ['-saveall', '-o', out, p.file]).status).toBe(0);
    const names = readdirSync(out).sort();
    expect(names).toHaveLength(5);
    const byEnd = (suffix: string) =>
      readFileSync(join(out, names.find((n) => n.endsWith(suffix)) ?? 'missing'));
    expect(byEnd('manifest.json').equals(readFileSync(files.manifestFile))).toBe(true);
    expect(byEnd('archive.wacz').equals(readFileSync(files.waczFile))).toBe(true);
    expect(byEnd('Example-Shop.png').equals(readFileSync(shotFull.file))).toBe(true);
    const decisionName = names.find((n) => n.startsWith('decision-')) ?? 'missing';
    const decisionText = readFileSync(join(out, decisionName), 'utf8');
    expect(JSON.parse(decisionText)).toEqual(models.en?.decision);
    // Byte for byte the canonical JSON the decision signature is computed over (plus the signature).
    expect(decisionText).toBe(canonicalJson(models.en?.decision));
    const pdf = readFileSync(p.file).toString('latin1');
    expect(pdf).toMatch(/\/AFRelationship \/Source/);
    expect(pdf).toMatch(/\/AFRelationship \/Data/);
    // Stored, not re-compressed: the WACZ bytes appear verbatim in the file.
    expect(readFileSync(p.file).includes(readFileSync(files.waczFile))).toBe(true);

    const info = run('pdfinfo', [p.file]).stdout;
    expect(info).toContain('Title:           Evidence review packet — CASE-REF');
    expect(info).toContain('Author:          Layla Haddad');
    expect(info).toContain('CreationDate:    Sun Nov 22 10:20:00 2026 UTC');
    expect(info).toContain('Tagged:          yes');
  });

  it('marks a packet without a decision as DRAFT on every page and leaves it unsigned', () => {
    const p = packet('ru');
    for (let i = 1; i <= p.pages; i++) expect(pdfText(p.file, i)).toContain('ЧЕРНОВИК');
    expect(pdfText(p.file, 1)).toContain('ЧЕРНОВИК — решение не принято и не подписано');
    expect(run('pdfsig', [p.file]).stdout + run('pdfsig', [p.file]).stderr).toMatch(
      /does not contain any signatures/,
    );
    expect(pdfText(packet('en').file)).not.toContain('DRAFT');
  });
});

describe('PAdES signature', () => {
  let nss = '';
  beforeAll(() => {
    nss = join(dir, 'nss');
    mkdirSync(nss, { recursive: true });
    expect(run('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']).status).toBe(0);
    expect(
      run('certutil', [
        '-A',
        '-d',
        `sql:${nss}`,
        '-n',
        'vigil-test-ca',
        '-t',
        'C,C,C',
        '-i',
        signer.caCertFile,
      ]).status,
    ).toBe(0);
  });

  it('is valid, trusted through the embedded chain, and covers the whole document (pdfsig)', () => {
    for (const lang of ['en', 'ar'] as const) {
      const out = run('pdfsig', ['-nssdir', `sql:${nss}`, packet(lang).file]).stdout;
      expect(out).toContain('Signature Type: ETSI.CAdES.detached');
      expect(out).toContain('Signature Validation: Signature is Valid.');
      expect(out).toContain('Certificate Validation: Certificate is Trusted.');
      expect(out).toContain('Total document signed');
      expect(out).toContain('Signer Certificate Common Name: Layla Haddad (reviewer)');
    }
  });

  it('is added as an incremental update: a second signature leaves the first one valid', async () => {
    const first = readFileSync(packet('ar').file);
    const second = await signPdf(first, signer, { clock: CLOCK, reason: 'countersignature' });
    expect(second.subarray(0, first.length).equals(first)).toBe(true);
    const file = join(dir, 'countersigned.pdf');
    writeFileSync(file, second);
    const out = run('pdfsig', ['-nssdir', `sql:${nss}`, file]).stdout;
    expect(out.match(/Signature is Valid\./g)).toHaveLength(2);
    expect(out).toContain('Signature Field Name: Signature2');
    expect(run('qpdf', ['--check', file]).status).toBe(0);
  });

  it('fails when one byte of the signed packet changes', () => {
    const original = readFileSync(packet('ar').file);
    const tampered = Buffer.from(original);
    // A byte inside the first signed range, in the middle of the page content.
    const at = Math.floor(original.length / 3);
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    const file = join(dir, 'tampered.pdf');
    writeFileSync(file, tampered);
    const out = run('pdfsig', ['-nssdir', `sql:${nss}`, file]).stdout;
    expect(out).not.toContain('Signature is Valid.');
    expect(out).toMatch(/Signature Validation: (Digest Mismatch|Signature is Invalid)/);
  });

  it('is CAdES: signing-certificate-v2, no signing-time, verifiable by openssl cms, with a B-T time-stamp', () => {
    const { cms, signed } = extractSignature(readFileSync(packet('en').file));
    const cmsFile = join(dir, 'sig.der');
    const contentFile = join(dir, 'signed.bin');
    writeFileSync(cmsFile, cms);
    writeFileSync(contentFile, signed);
    const verify = run('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      cmsFile,
      '-content',
      contentFile,
      '-CAfile',
      signer.caCertFile,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
    expect(verify.stderr).toContain('Verification successful');
    const printed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', cmsFile]).stdout;
    expect(printed).toContain('id-smime-aa-signingCertificateV2');
    expect(printed).toContain('id-smime-aa-timeStampToken');

    // The time-stamp token's imprint is SHA-256 of this signature's value (ETSI EN 319 122-1).
    const info = new pkijs.ContentInfo({ schema: asn1js.fromBER(new Uint8Array(cms).buffer).result });
    const sd = new pkijs.SignedData({ schema: info.content });
    const si = sd.signerInfos[0];
    // PAdES B-B: content-type, message-digest, signing-certificate-v2, and no CMS signing-time.
    expect(si?.signedAttrs?.attributes.map((a) => a.type).sort()).toEqual([
      '1.2.840.113549.1.9.16.2.47',
      '1.2.840.113549.1.9.3',
      '1.2.840.113549.1.9.4',
    ]);
    const tokenAttr = si?.unsignedAttrs?.attributes.find((a) => a.type === '1.2.840.113549.1.9.16.2.14');
    const token: unknown = tokenAttr?.values[0];
    expect(token).toBeDefined();
    const tokenFile = join(dir, 'token.der');
    const valueFile = join(dir, 'sigvalue.bin');
    if (!(token instanceof asn1js.Sequence)) throw new Error('time-stamp token is not a SEQUENCE');
    writeFileSync(tokenFile, Buffer.from(token.toBER(false)));
    writeFileSync(valueFile, Buffer.from(si?.signature.valueBlock.valueHexView ?? new Uint8Array()));
    const ts = run('openssl', [
      'ts',
      '-verify',
      '-data',
      valueFile,
      '-in',
      tokenFile,
      '-token_in',
      '-CAfile',
      tsaCaFile,
    ]);
    expect(ts.stdout + ts.stderr).toContain('Verification: OK');

    // B-B packet (no time-stamp callback) has no unsigned attributes.
    const bb = extractSignature(readFileSync(packet('ar').file));
    const bbFile = join(dir, 'sig-bb.der');
    writeFileSync(bbFile, bb.cms);
    expect(
      run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', bbFile]).stdout,
    ).not.toContain('timeStampToken');
  });
});

describe('options and evidence integrity', () => {
  it('leaves the original screenshots and WACZ out when asked, keeping the record and manifests', async () => {
    const r = await renderPacket({
      model: makePacketModel({ language: 'en', files, decided: true }),
      browser,
      workDir: join(dir, 'lean'),
      clock: CLOCK,
      attachOriginals: { screenshots: false, wacz: false },
    });
    const listed = run('pdfdetach', ['-list', r.file]).stdout;
    expect(listed).toContain('2 embedded files');
    expect(listed).toContain('decision-');
    expect(listed).toContain('manifest.json');
    expect(run('pdfsig', [r.file]).stdout + run('pdfsig', [r.file]).stderr).toMatch(
      /does not contain any signatures/,
    );
  });

  it('refuses a screenshot that does not match its recorded SHA-256', async () => {
    const model = makePacketModel({ language: 'en', files, decided: true });
    const capture = model.captures[0];
    const artifact = capture?.artifacts.find((a) => a.kind === 'screenshot');
    if (artifact === undefined) throw new Error('fixture without screenshot');
    artifact.sha256 = '0'.repeat(64);
    await expect(
      renderPacket({ model, browser, workDir: join(dir, 'bad'), clock: CLOCK }),
    ).rejects.toMatchObject({ code: 'evidence.integrity-mismatch' });
  });
});
