import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DESKTOP_PROFILE } from '../../../electron/core/capture/capture-profile';
import type { RawCapture } from '../../../electron/core/capture/run-capture';
import { hashZipEntries } from '../../../electron/core/capture/wacz-writer';
import {
  TEST_PROFILE,
  expectFilesNonEmpty,
  inkMap,
  probePng,
  readWarcFromWacz,
  readZipEntry,
  startCaptureEnv,
} from './setup';
import type { CaptureEnv } from './setup';

let env: CaptureEnv;
beforeAll(async () => {
  env = await startCaptureEnv();
});
afterAll(async () => {
  await env.close();
});

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function artifact(c: RawCapture, kind: RawCapture['artifacts'][number]['kind']): string {
  const a = c.artifacts.find((x) => x.kind === kind);
  if (!a) throw new Error(`no ${kind} artifact in ${c.artifacts.map((x) => x.name).join(', ')}`);
  return a.file;
}

const text = async (c: RawCapture): Promise<string> => readFile(artifact(c, 'text'), 'utf8');

describe('an ordinary page', () => {
  let c: RawCapture;
  beforeAll(async () => {
    c = await env.capture(`${env.site.http}/`);
  });

  test('is complete, with status, metadata, console log and non-empty artifacts of every kind', async () => {
    expect(c.outcome).toBe('complete');
    expect(c.error).toBeUndefined();
    expect(c.http.status).toBe(200);
    expect(c.http.remoteAddress).toBe(`127.0.0.1:${new URL(env.site.http).port}`);
    expect(c.page.title).toBe('Vigil fixture home');
    expect(c.page.lang).toBe('en');
    expect(c.page.outlinks).toBe(3);
    expect(Date.parse(c.finishedAt)).toBeGreaterThanOrEqual(Date.parse(c.startedAt));
    expect(c.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const kinds = new Set(c.artifacts.map((a) => a.kind));
    for (const k of [
      'screenshot',
      'screenshot-viewport',
      'mhtml',
      'dom',
      'text',
      'wacz',
      'metadata',
      'console',
    ] as const) {
      expect(kinds.has(k), k).toBe(true);
    }
    await expectFilesNonEmpty(c);
    expect(await text(c)).toContain('Evidence marker HOME-7731');
    const meta = JSON.parse(await readFile(artifact(c, 'metadata'), 'utf8')) as {
      openGraph: Record<string, string>;
      canonical: string;
    };
    expect(meta.openGraph['og:title']).toBe('Fixture OpenGraph title');
    expect(meta.canonical).toBe(`${env.site.http}/canonical-home`);
    const consoleLog = JSON.parse(await readFile(artifact(c, 'console'), 'utf8')) as { text: string }[];
    expect(consoleLog.map((e) => e.text)).toContain('home page script ran');
    expect(c.stages.map((s) => s.stage)).toEqual(['navigate', 'settle', 'snapshot', 'archive']);
  });

  test('records the user agent that was actually sent, without the headless marker', async () => {
    const records = await readWarcFromWacz(artifact(c, 'wacz'));
    const request = records.find((r) => r.type === 'request' && r.url === `${env.site.http}/`);
    expect(request?.httpHeaders['user-agent']).toBe(c.userAgent);
    expect(c.userAgent).not.toContain('Headless');
  });

  test('the WACZ is WARC/1.1 with sha256 payload digests, IP addresses, and a datapackage that matches', async () => {
    const wacz = artifact(c, 'wacz');
    const records = await readWarcFromWacz(wacz);
    expect(records[0]?.type).toBe('warcinfo');
    const responses = records.filter((r) => r.type === 'response');
    expect(responses.length).toBeGreaterThanOrEqual(1);
    for (const r of responses) {
      expect(r.warcHeaders['warc-payload-digest']).toBe(`sha256:${sha256(r.payload)}`);
      expect(r.warcHeaders['warc-ip-address']).toBe('127.0.0.1');
    }
    const warcRaw = await readZipEntry(wacz, 'archive/data.warc.gz');
    expect(warcRaw.subarray(0, 2).toString('hex')).toBe('1f8b');
    const datapackage = JSON.parse((await readZipEntry(wacz, 'datapackage.json')).toString('utf8')) as {
      wacz_version: string;
      resources: { path: string; hash: string; bytes: number }[];
    };
    expect(datapackage.wacz_version).toBe('1.1.1');
    const actual = await hashZipEntries(wacz);
    for (const r of datapackage.resources) expect(actual.get(r.path), r.path).toBe(r.hash);
    const digest = JSON.parse((await readZipEntry(wacz, 'datapackage-digest.json')).toString('utf8')) as {
      hash: string;
    };
    expect(actual.get('datapackage.json')).toBe(digest.hash);
    const cdxj = (await readZipEntry(wacz, 'indexes/index.cdxj')).toString('utf8');
    expect(cdxj).toContain('"filename":"data.warc.gz"');
    expect(records.every((r) => r.version === 'WARC/1.1')).toBe(true);
  });
});

describe('scripts', () => {
  test('Arabic text is extracted and its glyphs render (not missing-glyph boxes)', async () => {
    const c = await env.capture(`${env.site.http}/arabic`);
    expect(c.outcome).toBe('complete');
    expect(c.page.lang).toBe('ar');
    expect(c.page.title).toBe('صفحة اختبار عربية');
    expect(await text(c)).toContain('مرحبا بالعالم');
    const shot = artifact(c, 'screenshot');
    const rect = (x: number) => ({ x: x + 20, y: 220, w: 160, h: 160 });
    const [ba, ain, missing] = await Promise.all([
      inkMap(env.browser, shot, rect(20)),
      inkMap(env.browser, shot, rect(260)),
      inkMap(env.browser, shot, rect(500)),
    ]);
    for (const m of [ba, ain, missing]) expect(m).toContain('1');
    // Two different letters drawn alike would mean both fell back to the missing-glyph box.
    expect(ba).not.toBe(ain);
    expect(ba).not.toBe(missing);
    expect(ain).not.toBe(missing);
  });

  test('Cyrillic text is extracted', async () => {
    const c = await env.capture(`${env.site.http}/cyrillic`);
    expect(c.outcome).toBe('complete');
    expect(c.page.title).toBe('Тестовая страница');
    expect(await text(c)).toContain('Метка доказательства: ПРИВЕТ-42');
  });
});

describe('content below the fold', () => {
  test('lazy images and IntersectionObserver content are loaded before the snapshot', async () => {
    const c = await env.capture(`${env.site.http}/lazy`);
    expect(c.outcome).toBe('complete');
    expect(await text(c)).toContain('LAZY-TEXT-LOADED-21');
    const records = await readWarcFromWacz(artifact(c, 'wacz'));
    expect(records.some((r) => r.type === 'response' && r.url.endsWith('/img/lazy-1.svg'))).toBe(true);
    expect(records.some((r) => r.type === 'response' && r.url.endsWith('/api/lazy-text'))).toBe(true);
  });

  test('an infinite feed is scrolled up to the profile limit and the cut is reported', async () => {
    const c = await env.capture(`${env.site.http}/feed`, {
      profile: { ...TEST_PROFILE, scroll: { maxHeightPx: 12_000, maxSteps: 200 } },
    });
    const t = await text(c);
    expect(t).toContain('Feed item 1');
    expect(t).toContain('Feed item 25');
    expect(c.warnings.map((w) => w.code)).toContain('settle.scroll-limit');
    expect(c.outcome).toBe('partial');
  });
});

describe('tall pages', () => {
  for (const height of [60_000, 30_000]) {
    test(`a ${height} px page comes out as ordered segments covering it, bottom marker in the last`, async () => {
      const c = await env.capture(`${env.site.http}/tall?h=${height}`);
      expect(c.outcome).toBe('complete');
      const segments = c.artifacts.filter((a) => a.kind === 'screenshot');
      const count = Math.ceil(height / 8192);
      expect(segments).toHaveLength(count);
      let top = 0;
      for (const [i, s] of segments.entries()) {
        expect(s.segment).toEqual({ index: i + 1, count, top, height: Math.min(8192, height - top) });
        expect(s.name).toBe(
          `screenshot-${String(i + 1).padStart(2, '0')}-of-${String(count).padStart(2, '0')}.png`,
        );
        top += s.segment?.height ?? 0;
      }
      expect(top).toBe(height);
      const first = segments[0];
      const last = segments[segments.length - 1];
      if (!first?.segment || !last?.segment) throw new Error('no segments');
      const firstProbe = await probePng(env.browser, first.file, [[1300, 10]]);
      expect(firstProbe.pixels[0]).toEqual([0, 0, 255]);
      const h = last.segment.height;
      const lastProbe = await probePng(env.browser, last.file, [
        [1300, h - 1],
        [1300, h - 190],
        [1300, h - 210],
      ]);
      expect(lastProbe.height).toBe(h);
      expect(lastProbe.width).toBe(1366);
      expect(lastProbe.pixels[0]).toEqual([255, 0, 0]);
      expect(lastProbe.pixels[1]).toEqual([255, 0, 0]);
      expect(lastProbe.pixels[2]).not.toEqual([255, 0, 0]);
      expect(await text(c)).toContain(`BOTTOM-MARKER-${height}`);
    });
  }
});

describe('navigation', () => {
  test('an HTTP redirect chain (301 → 302 → 200) is recorded hop by hop', async () => {
    const c = await env.capture(`${env.site.http}/redirect/a`);
    expect(c.outcome).toBe('complete');
    expect(c.finalUrl).toBe(`${env.site.http}/redirect/final`);
    expect(c.http.status).toBe(200);
    expect(c.redirects).toEqual([
      { url: `${env.site.http}/redirect/a`, status: 301, location: '/redirect/b', kind: 'http' },
      { url: `${env.site.http}/redirect/b`, status: 302, location: '/redirect/final', kind: 'http' },
    ]);
    const records = await readWarcFromWacz(artifact(c, 'wacz'));
    const statuses = records.filter((r) => r.type === 'response').map((r) => r.status);
    expect(statuses).toEqual(expect.arrayContaining([301, 302, 200]));
  });

  test('a JavaScript redirect is recorded as a client-side hop', async () => {
    const c = await env.capture(`${env.site.http}/js-redirect`);
    // Chromium streams the redirecting document's body while the page already navigates away; once in a
    // while a trailing resource is cut in that race, and the capture then says so (archive.truncated,
    // outcome partial). Anything else is a failure, and the redirecting page's body must be kept below.
    expect(
      c.warnings.filter((w) => w.code !== 'archive.truncated'),
      JSON.stringify(c.warnings),
    ).toEqual([]);
    expect(c.outcome).toBe(c.warnings.length === 0 ? 'complete' : 'partial');
    expect(c.finalUrl).toBe(`${env.site.http}/js-target`);
    expect(c.redirects).toEqual([
      {
        url: `${env.site.http}/js-redirect`,
        status: 200,
        location: `${env.site.http}/js-target`,
        kind: 'client',
      },
    ]);
    expect(await text(c)).toContain('JS-TARGET-9');
    // The page that redirected is evidence too: its body must survive the navigation away.
    const records = await readWarcFromWacz(artifact(c, 'wacz'));
    const source = records.find((r) => r.type === 'response' && r.url === `${env.site.http}/js-redirect`);
    expect(source).toBeDefined();
    // Kept whole, or (when the navigation won the race with Chromium's body stream) explicitly marked
    // WARC-Truncated and reported as archive.truncated: never silently empty.
    const kept = source?.payload.toString('utf8').includes('Redirecting with JavaScript') === true;
    const flagged = source?.warcHeaders['warc-truncated'] !== undefined && c.outcome === 'partial';
    expect(kept || flagged, JSON.stringify(source?.warcHeaders)).toBe(true);
  });

  test('a redirect loop fails with capture.redirect-loop', async () => {
    const c = await env.capture(`${env.site.http}/loop/a`);
    expect(c.outcome).toBe('failed');
    expect(c.error?.code).toBe('capture.redirect-loop');
    expect(c.redirects.length).toBeGreaterThan(2);
  });

  test('a cross-origin iframe and its requests are in the WARC', async () => {
    const c = await env.capture(`${env.site.http}/iframe`);
    expect(c.outcome).toBe('complete');
    const urls = (await readWarcFromWacz(artifact(c, 'wacz')))
      .filter((r) => r.type === 'response')
      .map((r) => r.url);
    expect(urls).toEqual(
      expect.arrayContaining([
        `${env.site.http}/iframe`,
        `${env.site.httpAlt}/framed`,
        `${env.site.httpAlt}/img/framed-asset.svg`,
        `${env.site.httpAlt}/api/framed-data`,
      ]),
    );
  });

  test('a gzip response is stored decoded with the encoding header renamed and the length fixed', async () => {
    const c = await env.capture(`${env.site.http}/gzip`);
    const r = (await readWarcFromWacz(artifact(c, 'wacz'))).find(
      (x) => x.type === 'response' && x.url.endsWith('/gzip'),
    );
    if (!r) throw new Error('no gzip response record');
    expect(r.payload.toString('utf8')).toContain('GZIP-MARKER-3');
    expect(r.httpHeaders['content-encoding']).toBeUndefined();
    expect(r.httpHeaders['x-archive-orig-content-encoding']).toBe('gzip');
    expect(r.httpHeaders['content-length']).toBe(String(r.payload.length));
  });

  for (const status of [404, 500]) {
    test(`a ${status} page is captured as complete with its status`, async () => {
      const c = await env.capture(`${env.site.http}/status/${status}`);
      expect(c.outcome).toBe('complete');
      expect(c.http.status).toBe(status);
      expect(await text(c)).toContain(`(${status})`);
    });
  }

  test('two captures share no cookies', async () => {
    const first = await env.capture(`${env.site.http}/cookies`);
    const second = await env.capture(`${env.site.http}/cookies`);
    expect(first.http.headers['set-cookie'] ?? first.http.headers['Set-Cookie']).toMatch(/^visit=/);
    expect(await text(first)).toContain('Cookies received: none');
    expect(await text(second)).toContain('Cookies received: none');
  });

  test('refuses non-http(s) URLs and, unless the profile allows it, private addresses', async () => {
    const file = await env.capture('file:///etc/passwd');
    expect(file.outcome).toBe('failed');
    expect(file.error?.code).toBe('intake.scheme-refused');
    expect(file.artifacts).toEqual([]);
    const local = await env.capture(`${env.site.http}/`, { profile: DESKTOP_PROFILE });
    expect(local.error?.code).toBe('intake.private-address');
  });
});

describe('HTTPS', () => {
  test('records TLS details whose fingerprint is the server certificate, and the bypass', async () => {
    const c = await env.capture(`${env.site.https}/`);
    expect(c.outcome).toBe('complete');
    expect(c.tls?.sha256Fingerprint).toBe(env.site.certSha256);
    expect(c.tls?.protocol).toMatch(/^TLS 1\.[23]$/);
    expect(c.tls?.sanList).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost']));
    expect(c.tls?.subjectName).toBe('Vigil fixture site');
    expect(c.certificateErrorsIgnored).toBe(true);
    expect(c.warnings.map((w) => w.code)).toContain('tls.certificate-error-ignored');
    const pem = await readFile(artifact(c, 'certificate'), 'utf8');
    expect(sha256(new X509Certificate(pem).raw)).toBe(env.site.certSha256);
  });

  test('without the profile flag an untrusted certificate fails with capture.tls-failed', async () => {
    const c = await env.capture(`${env.site.https}/`, {
      profile: { ...TEST_PROFILE, ignoreHttpsErrors: false },
    });
    expect(c.outcome).toBe('failed');
    expect(c.error?.code).toBe('capture.tls-failed');
  });
});
