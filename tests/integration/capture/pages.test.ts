import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DESKTOP_PROFILE } from '@core/capture/capture-profile';
import type { RawCapture } from '@core/capture/raw-capture';
import { captureFullPage, captureViewport, isViewportShot } from '@core/capture/screenshot';
import { hashZipEntries } from '@core/capture/wacz-writer';
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

  test('fits the viewport, so its viewport image is the full-page image', async () => {
    const full = await readFile(artifact(c, 'screenshot'));
    expect(sha256(await readFile(artifact(c, 'screenshot-viewport')))).toBe(sha256(full));
    const probe = await probePng(env.browser, artifact(c, 'screenshot'), [[0, 0]]);
    expect([probe.width, probe.height]).toEqual([1366, 768]);
  });

  test('the reuse rests on Chromium rendering a fitting page the same both ways', async () => {
    const context = await env.browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const session = await page.createCDPSession();
      await session.send('Emulation.setDeviceMetricsOverride', {
        width: 1366,
        height: 768,
        deviceScaleFactor: 1,
        mobile: false,
      });
      await page.goto(`${env.site.http}/`, { waitUntil: 'load' });
      const dir = await mkdtemp(path.join(env.root, 'shots-'));
      const shot = await captureFullPage({
        session,
        dir,
        profile: TEST_PROFILE,
        maxHeightPx: 100_000,
        deadline: Date.now() + 20_000,
      });
      expect(isViewportShot(shot, TEST_PROFILE)).toBe(true);
      expect(
        isViewportShot(shot, { ...TEST_PROFILE, viewport: { ...TEST_PROFILE.viewport, height: 700 } }),
      ).toBe(false);
      const viewport = await captureViewport({ session, dir, deadline: Date.now() + 20_000 });
      const [first] = shot.segments;
      if (!first) throw new Error('no image');
      expect(sha256(await readFile(viewport))).toBe(sha256(await readFile(first.file)));
    } finally {
      await context.close();
    }
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
    // Taller than the viewport: the viewport image is its own, of the viewport's size.
    const viewport = await probePng(env.browser, artifact(c, 'screenshot-viewport'), [[0, 0]]);
    expect([viewport.width, viewport.height]).toEqual([1366, 768]);
    const full = await probePng(env.browser, artifact(c, 'screenshot'), [[0, 0]]);
    expect(full.height).toBeGreaterThan(8000);
    const records = await readWarcFromWacz(artifact(c, 'wacz'));
    expect(records.some((r) => r.type === 'response' && r.url.endsWith('/img/lazy-1.svg'))).toBe(true);
    expect(records.some((r) => r.type === 'response' && r.url.endsWith('/api/lazy-text'))).toBe(true);
  });

  test('a page whose window cannot scroll ends the scroll-through at once, complete', async () => {
    const c = await env.capture(`${env.site.http}/locked`);
    expect(c.warnings).toEqual([]);
    expect(c.outcome).toBe('complete');
    expect(await text(c)).toContain('LOCKED-PAGE-4');
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

describe('late content', () => {
  test('a request a quiet page starts just after load is waited for, and the snapshot taken again', async () => {
    // A browser's first page on a host also fetches /favicon.ico after load, which would make
    // the page look busy from the start: look at the host once first.
    await env.capture(`${env.site.http}/status/404`);
    const c = await env.capture(`${env.site.http}/late`);
    expect(c.outcome, JSON.stringify(c.warnings)).toBe('complete');
    expect(await text(c)).toContain('LATE-TEXT-LOADED');
    expect(await readFile(artifact(c, 'dom'), 'utf8')).toContain('LATE-TEXT-LOADED');
    // Only the kept snapshot is listed, each artifact once.
    const names = c.artifacts.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    await expectFilesNonEmpty(c);
  });

  test('a request an idle callback starts after load is waited for', async () => {
    await env.capture(`${env.site.http}/status/404`);
    const c = await env.capture(`${env.site.http}/late-idle`);
    expect(c.outcome, JSON.stringify(c.warnings)).toBe('complete');
    expect(await text(c)).toContain('LATE-TEXT-LOADED');
    expect(await readFile(artifact(c, 'dom'), 'utf8')).toContain('LATE-TEXT-LOADED');
  });

  test('a page that keeps loading after load gets the long quiet window', async () => {
    // The second request comes 250 ms after the first answered: past the short window (200 ms in
    // the test profile), inside the long one (400 ms).
    const c = await env.capture(`${env.site.http}/chain`);
    expect(c.outcome, JSON.stringify(c.warnings)).toBe('complete');
    const t = await text(c);
    expect(t).toContain('CHAIN-STEP-1');
    expect(t).toContain('CHAIN-STEP-2');
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
      { url: `${env.site.http}/redirect/a`, status: 301, location: '/redirect/b', kind: 'http', via: 'http' },
      {
        url: `${env.site.http}/redirect/b`,
        status: 302,
        location: '/redirect/final',
        kind: 'http',
        via: 'http',
      },
    ]);
    const records = await readWarcFromWacz(artifact(c, 'wacz'));
    const statuses = records.filter((r) => r.type === 'response').map((r) => r.status);
    expect(statuses).toEqual(expect.arrayContaining([301, 302, 200]));
  });

  test('a JavaScript redirect is recorded as a client-side hop, and the redirecting page is kept', async () => {
    const c = await env.capture(`${env.site.http}/js-redirect`);
    expect(c.warnings).toEqual([]);
    expect(c.outcome).toBe('complete');
    expect(c.finalUrl).toBe(`${env.site.http}/js-target`);
    expect(c.redirects).toEqual([
      {
        url: `${env.site.http}/js-redirect`,
        status: 200,
        location: `${env.site.http}/js-target`,
        kind: 'client',
        via: 'script',
      },
    ]);
    expect(await text(c)).toContain('JS-TARGET-9');
    // The page that redirected is evidence too. It leaves the moment it has loaded, and Chromium's
    // renderer forgets its body with it: the body must come whole from the browser's own copy.
    const records = await readWarcFromWacz(artifact(c, 'wacz'));
    const source = records.find((r) => r.type === 'response' && r.url === `${env.site.http}/js-redirect`);
    expect(source?.warcHeaders['warc-truncated']).toBeUndefined();
    expect(source?.payload.toString('utf8')).toContain('Redirecting with JavaScript');
  });

  test('the redirecting page is kept every time, not just when the race is won', async () => {
    // Without the browser-side copy this lost the body in about half of the captures.
    for (let i = 0; i < 8; i += 1) {
      const c = await env.capture(`${env.site.http}/js-redirect`);
      const records = await readWarcFromWacz(artifact(c, 'wacz'));
      const source = records.find((r) => r.type === 'response' && r.url === `${env.site.http}/js-redirect`);
      expect(source?.payload.toString('utf8'), `capture ${i + 1}`).toContain('Redirecting with JavaScript');
    }
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
