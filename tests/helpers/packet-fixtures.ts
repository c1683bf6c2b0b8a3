import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import type { PacketCapture, PacketModel, PacketScreenshot } from '@core/packet/packet-model';
import type { DecisionRecord } from '@shared/domain/decision';

export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
}

export const sha256File = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * A real full-page PNG from headless Chromium of a tall synthetic page: coloured bands with a row
 * number every 250 px, so that a misplaced or stretched slice shows in the rendering.
 */
export async function makeScreenshot(
  browser: Browser,
  file: string,
  opts: { width?: number; height: number; hue?: number; title?: string; detail?: boolean },
): Promise<PacketScreenshot> {
  const width = opts.width ?? 1280;
  const hue = opts.hue ?? 200;
  const bands: string[] = [];
  for (let y = 0; y < opts.height; y += 250) {
    const h = Math.min(250, opts.height - y);
    const light = 35 + ((y / 250) % 2) * 30;
    bands.push(
      `<div style="height:${h}px;background:hsl(${(hue + y / 50) % 360} 70% ${light}%);color:#fff;` +
        `font:bold 48px sans-serif;padding-left:24px;box-sizing:border-box;overflow:hidden">` +
        `y=${y} ${opts.title ?? 'Example Shop'}` +
        // Lines of small text make the PNG compress like a real page instead of flat colour.
        (opts.detail === true
          ? `<div style="font:12px/15px serif">${Array.from({ length: 12 }, (_, i) => `Item ${y + i} — Аптека без рецепта — متجر ${'#'.repeat((y / 250 + i) % 40)} ${(y * 7919 + i * 104729).toString(36)}`).join('<br>')}</div>`
          : '') +
        `</div>`,
    );
  }
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport({ width, height: 800 });
    await page.setContent(`<!doctype html><body style="margin:0">${bands.join('')}</body>`);
    const png = await page.screenshot({ type: 'png', fullPage: true });
    writeFileSync(file, png);
  } finally {
    await context.close();
  }
  return { file, width, height: opts.height, label: opts.title ?? 'Full page' };
}

export type TestSigner = Readonly<{
  dir: string;
  privateKey: KeyObject;
  certificatePem: string;
  chainPem: string[];
  caCertFile: string;
  certFile: string;
}>;

/** A throwaway CA and a reviewer certificate (ECDSA P-256) made with the openssl CLI. */
export function makeTestSigner(dir: string, commonName = 'Layla Haddad (reviewer)'): TestSigner {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('ca.key'));
  openssl(
    'req',
    '-new',
    '-x509',
    '-key',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '3650',
    '-sha256',
    '-subj',
    '/CN=Vigil Test CA/O=Vigil Test',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('user.key'));
  openssl(
    'req',
    '-new',
    '-key',
    f('user.key'),
    '-out',
    f('user.csr'),
    '-subj',
    `/CN=${commonName}/O=Vigil Test`,
  );
  writeFileSync(
    f('user.ext'),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' +
      'extendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    f('user.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('user.pem'),
    '-days',
    '365',
    '-sha256',
    '-extfile',
    f('user.ext'),
  );
  return {
    dir,
    privateKey: createPrivateKey(readFileSync(f('user.key'))),
    certificatePem: readFileSync(f('user.pem'), 'utf8'),
    chainPem: [readFileSync(f('ca.pem'), 'utf8')],
    caCertFile: f('ca.pem'),
    certFile: f('user.pem'),
  };
}

/** A time-stamp authority made of the openssl CLI (`openssl ts -reply`), for PAdES B-T tests. */
export function makeTestTsa(dir: string): { timestamp: (digest: Buffer) => Promise<Buffer>; caFile: string } {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', f('tsa.key'));
  openssl(
    'req',
    '-new',
    '-x509',
    '-key',
    f('tsa.key'),
    '-out',
    f('tsa.pem'),
    '-days',
    '365',
    '-sha256',
    '-subj',
    '/CN=Vigil Test TSA/O=Vigil Test',
    '-addext',
    'extendedKeyUsage=critical,timeStamping',
    '-addext',
    'keyUsage=critical,digitalSignature',
  );
  writeFileSync(f('serial'), '01\n');
  writeFileSync(
    f('tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'signer_cert = $dir/tsa.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256',
      'accuracy = secs:1',
      'ess_cert_id_alg = sha256',
      'ess_cert_id_chain = no',
      'certs = $dir/tsa.pem',
      '',
    ].join('\n'),
  );
  let n = 0;
  return {
    caFile: f('tsa.pem'),
    timestamp: (signatureValue: Buffer) => {
      n++;
      const data = f(`data-${n}.bin`);
      writeFileSync(data, signatureValue);
      openssl('ts', '-query', '-data', data, '-sha256', '-cert', '-out', f(`req-${n}.tsq`));
      openssl(
        'ts',
        '-reply',
        '-config',
        f('tsa.cnf'),
        '-queryfile',
        f(`req-${n}.tsq`),
        '-out',
        f(`tok-${n}.der`),
        '-token_out',
      );
      return Promise.resolve(readFileSync(f(`tok-${n}.der`)));
    },
  };
}

const id = (prefix: string, tail: string) => `${prefix}_${tail.padEnd(16, '0').slice(0, 26)}`;

export const FIXTURE_IDS = {
  resource: id('res', '01jd8x2k7q9w3e5r'),
  capture: id('cap', '01jd8x3m4n5b6v7c'),
  decision: id('dec', '01jd8y1a2s3d4f5g'),
  basis: id('lb', '01jd7a1b2c3d4e5f'),
  basis2: id('lb', '01jd7a9z8y7x6w5v'),
};

export const TEXT = {
  en: {
    facts:
      'The page offers prescription-only medicines for sale without a prescription and ships to Almaty.\n' +
      'Prices are shown in tenge; orders are taken by messenger.',
    explanation:
      'Sale of prescription medicines without licence is prohibited; blocking the URL is proportionate.',
    cited: 'Advertising and sale of medicines by persons without a pharmaceutical licence is prohibited.',
  },
  ar: {
    facts: 'تعرض الصفحة أدوية لا تصرف إلا بوصفة طبية للبيع دون وصفة، وتشحن إلى ألماتي.',
    explanation: 'بيع الأدوية دون ترخيص محظور، وحجب الرابط إجراء متناسب.',
    cited: 'يحظر الإعلان عن الأدوية وبيعها من قبل أشخاص لا يحملون ترخيصا صيدلانيا.',
  },
  ru: {
    facts: 'На странице продаются рецептурные лекарства без рецепта с доставкой в Алматы.',
    explanation: 'Продажа лекарств без лицензии запрещена; блокировка URL соразмерна.',
    cited:
      'Запрещаются реклама и продажа лекарственных средств лицами, не имеющими фармацевтической лицензии.',
  },
} as const;

export type FixtureCaptureFiles = Readonly<{
  manifestFile: string;
  waczFile: string;
  screenshots: PacketScreenshot[];
}>;

/** Writes a capture manifest and a stand-in WACZ beside the screenshots, as the blob store would. */
export function writeCaptureFiles(dir: string, screenshots: PacketScreenshot[]): FixtureCaptureFiles {
  mkdirSync(dir, { recursive: true });
  const manifestFile = join(dir, 'manifest.json');
  const waczFile = join(dir, 'archive.wacz');
  writeFileSync(
    waczFile,
    Buffer.concat([Buffer.from('PK\u0003\u0004'), createHash('sha512').update('wacz').digest()]),
  );
  const manifest = {
    captureId: FIXTURE_IDS.capture,
    artifacts: screenshots.map((s) => ({ name: s.file.split('/').pop(), sha256: sha256File(s.file) })),
  };
  writeFileSync(manifestFile, JSON.stringify(manifest));
  return { manifestFile, waczFile, screenshots };
}

export function makePacketModel(opts: {
  language: 'en' | 'ar' | 'ru';
  files: FixtureCaptureFiles;
  decided: boolean;
  caseRef?: string;
}): PacketModel {
  const { files, language } = opts;
  const caseRef = opts.caseRef ?? 'CASE-REF';
  const text = TEXT[language];
  const manifestSha256 = sha256File(files.manifestFile);
  const artifacts: PacketCapture['artifacts'] = [
    ...files.screenshots.map((s, i): PacketCapture['artifacts'][number] => ({
      kind: i === 0 ? 'screenshot' : 'screenshot-viewport',
      name: i === 0 ? 'screenshot.png' : `screenshot-${i}.png`,
      path: s.file,
      mediaType: 'image/png',
      bytes: readFileSync(s.file).length,
      sha256: sha256File(s.file),
    })),
    {
      kind: 'wacz',
      name: 'archive.wacz',
      path: files.waczFile,
      mediaType: 'application/wacz+zip',
      bytes: readFileSync(files.waczFile).length,
      sha256: sha256File(files.waczFile),
    },
    {
      kind: 'manifest',
      name: 'manifest.json',
      path: files.manifestFile,
      mediaType: 'application/json',
      bytes: readFileSync(files.manifestFile).length,
      sha256: manifestSha256,
    },
  ];
  const decision: DecisionRecord = {
    id: FIXTURE_IDS.decision as DecisionRecord['id'],
    resourceId: FIXTURE_IDS.resource as DecisionRecord['resourceId'],
    url: 'https://xn--80aswg.xn--p1ai/shop/item?id=42',
    captures: [{ id: FIXTURE_IDS.capture as DecisionRecord['captures'][number]['id'], manifestSha256 }],
    fields: {
      decision: 'approve',
      measure: 'block_url',
      targets: ['https://xn--80aswg.xn--p1ai/shop/item?id=42'],
      territorialScope: ['KZ'],
      startDate: '2026-11-22',
      endDate: null,
      legalBasisIds: [FIXTURE_IDS.basis as DecisionRecord['fields']['legalBasisIds'][number]],
      category: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
      keywords: ['KEYWORD_PROHIBITED_PRODUCTS'],
      facts: text.facts,
      explanation: text.explanation,
      sourceType: 'trusted_flagger',
      automatedDetection: false,
      language,
    },
    legalBases: [
      {
        id: FIXTURE_IDS.basis as DecisionRecord['legalBases'][number]['id'],
        version: 1,
        jurisdiction: 'KZ',
        instrument: 'Code on Public Health',
        article: 'Art. 233(4)',
        title: 'Sale of medicines',
        referenceUrl: 'https://adilet.zan.kz/eng/docs/K2000000360',
        defaultCategory: 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS',
        text: text.cited,
        example: true,
      },
    ],
    reviewer: {
      name: 'lhaddad',
      displayName: language === 'ar' ? 'ليلى حداد' : language === 'ru' ? 'Лейла Хаддад' : 'Layla Haddad',
      certificateSha256: 'ab'.repeat(32),
    },
    signedAt: '2026-11-22T10:15:00.000Z',
    supersedes: null,
    signature: { alg: 'ES256', keyId: 'usr-lhaddad-2026', value: 'MEUCIQDx'.padEnd(96, 'A') + '==' },
  };
  return {
    caseRef,
    batesPrefix: caseRef,
    language,
    resource: {
      id: FIXTURE_IDS.resource,
      url: 'https://xn--80aswg.xn--p1ai/shop/item?id=42',
      displayUrl: 'https://сайт.рф/shop/item?id=42',
      punycodeUrl: 'https://xn--80aswg.xn--p1ai/shop/item?id=42',
      categories: ['drugs'],
    },
    captures: [
      {
        id: FIXTURE_IDS.capture,
        resourceId: FIXTURE_IDS.resource,
        url: 'https://xn--80aswg.xn--p1ai/shop/item?id=42',
        finalUrl: 'https://xn--80aswg.xn--p1ai/shop/item/42',
        outcome: 'complete',
        startedAt: '2026-11-22T09:58:01.123Z',
        finishedAt: '2026-11-22T09:58:14.456Z',
        http: {
          status: 200,
          headers: {
            'content-type': 'text/html; charset=utf-8',
            server: 'nginx',
            date: 'Sun, 22 Nov 2026 09:58:02 GMT',
          },
          remoteAddress: '203.0.113.7:443',
          protocol: 'h2',
        },
        redirects: [
          {
            url: 'https://xn--80aswg.xn--p1ai/shop/item?id=42',
            status: 301,
            location: 'https://xn--80aswg.xn--p1ai/shop/item/42',
          },
        ],
        tls: {
          protocol: 'TLS 1.3',
          cipher: 'TLS_AES_128_GCM_SHA256',
          subjectName: 'xn--80aswg.xn--p1ai',
          issuer: "CN=R11, O=Let's Encrypt, C=US",
          validFrom: '2026-10-01T00:00:00.000Z',
          validTo: '2026-12-30T00:00:00.000Z',
          sanList: ['xn--80aswg.xn--p1ai', 'www.xn--80aswg.xn--p1ai'],
          sha256Fingerprint: '3f'.repeat(32),
        },
        page: { title: 'Аптека без рецепта', lang: 'ru', textLength: 18234, outlinks: 57 },
        context: {
          operator: 'investigator.one',
          workstation: 'WS-ALMATY-04',
          os: 'Linux 6.1 x64',
          app: { name: 'Vigil', version: '0.1.0' },
          browser: { product: 'Chromium', version: '156.0.8078.79' },
          userAgent:
            'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
          viewport: { width: 1280, height: 800, deviceScaleFactor: 1, isMobile: false },
          locale: 'ru-KZ',
          timeZone: 'Asia/Almaty',
          proxy: null,
        },
        artifacts,
        manifestSha256,
        signature: { alg: 'ES256', keyId: 'ws-almaty-04', value: 'MEQCIF'.padEnd(92, 'B') + '==' },
        timestamp: {
          status: 'granted',
          tsa: 'https://tsa.example.org/tsr',
          genTime: '2026-11-22T09:58:15.000Z',
          tokenSha256: '7c'.repeat(32),
        },
        warnings: [{ code: 'capture.lazy-content', message: 'scroll-through stopped at 9000 px' }],
        screenshots: files.screenshots,
      },
    ],
    custody: [
      {
        seq: 101,
        at: '2026-11-22T09:40:00.000Z',
        actor: 'intake.officer',
        action: 'report.create',
        subject: FIXTURE_IDS.resource,
        hash: '11'.repeat(32),
      },
      {
        seq: 117,
        at: '2026-11-22T09:58:15.000Z',
        actor: 'investigator.one',
        action: 'capture.seal',
        subject: FIXTURE_IDS.capture,
        hash: '22'.repeat(32),
      },
      {
        seq: 140,
        at: '2026-11-22T10:15:00.000Z',
        actor: 'lhaddad',
        action: 'decision.sign',
        subject: FIXTURE_IDS.decision,
        hash: '33'.repeat(32),
      },
    ],
    decision: opts.decided ? decision : null,
  };
}
