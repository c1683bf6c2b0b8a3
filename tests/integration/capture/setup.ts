import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { WARCParser } from 'warcio';
import yauzl from 'yauzl';
import { createBrowserProvider } from '@core/capture/browser-provider';
import type { BrowserProvider } from '@core/capture/browser-provider';
import { DESKTOP_PROFILE } from '@core/capture/capture-profile';
import type { CaptureProfile } from '@core/capture/capture-profile';
import { runCapture } from '@core/capture/run-capture';
import type { RunCaptureOptions } from '@core/capture/capture-run';
import type { RawCapture } from '@core/capture/raw-capture';
import { CHROMIUM } from '@tests/helpers/chromium';
import { startFixtureSite } from '@tests/helpers/fixture-site';
import type { FixtureSite } from '@tests/helpers/fixture-site';

/** The profile tests use: the fixture lives on loopback and its certificate is self-signed. */
export const TEST_PROFILE: CaptureProfile = {
  ...DESKTOP_PROFILE,
  allowPrivateNetwork: true,
  ignoreHttpsErrors: true,
  timeouts: {
    navigateMs: 10_000,
    settleMs: 15_000,
    snapshotMs: 30_000,
    archiveMs: 20_000,
    totalMs: 60_000,
    networkQuietMs: 200,
    activeQuietMs: 400,
  },
};

export type CaptureEnv = {
  site: FixtureSite;
  provider: BrowserProvider;
  browser: Browser;
  root: string;
  capture(
    url: string,
    extra?: Partial<Omit<RunCaptureOptions, 'browser' | 'url' | 'workDir' | 'clock'>>,
  ): Promise<RawCapture>;
  close(): Promise<void>;
};

/** One fixture site and one browser per test file (the suite must fit in minutes on 2 cores). */
export async function startCaptureEnv(): Promise<CaptureEnv> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vigil-capture-test-'));
  const site = await startFixtureSite();
  const provider = createBrowserProvider({ executablePath: CHROMIUM, tmpRoot: root });
  const browser = await provider.browser();
  let n = 0;
  return {
    site,
    provider,
    browser,
    root,
    async capture(url, extra = {}) {
      n += 1;
      const workDir = await mkdtemp(path.join(root, `capture-${n}-`));
      return runCapture({
        profile: TEST_PROFILE,
        ...extra,
        browser: await provider.browser(),
        url,
        workDir,
        clock: () => new Date(),
      });
    },
    async close() {
      await provider.close();
      await site.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function expectFilesNonEmpty(capture: RawCapture): Promise<void> {
  for (const a of capture.artifacts) {
    const s = await stat(a.file);
    if (s.size === 0) throw new Error(`artifact ${a.name} is empty`);
  }
}

/** One entry of a ZIP (the WACZ), read back from disk. */
export async function readZipEntry(zipFile: string, name: string): Promise<Buffer> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.open(zipFile, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(err) : resolve(z)));
  });
  return new Promise<Buffer>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => reject(new Error(`${name} not in ${zipFile}`)));
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName !== name) {
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', reject);
        stream.on('end', () => {
          zip.close();
          resolve(Buffer.concat(chunks));
        });
      });
    });
    zip.readEntry();
  });
}

export type WarcEntry = {
  version: string;
  type: string;
  url: string;
  warcHeaders: Record<string, string>;
  httpHeaders: Record<string, string>;
  status: number | null;
  payload: Buffer;
};

export async function readWarcFromWacz(waczFile: string): Promise<WarcEntry[]> {
  const warc = await readZipEntry(waczFile, 'archive/data.warc.gz');
  const out: WarcEntry[] = [];
  for await (const record of WARCParser.iterRecords([new Uint8Array(warc)])) {
    const warcHeaders = Object.fromEntries(record.warcHeaders.headers.entries());
    const httpHeaders: Record<string, string> = {};
    if (record.httpHeaders)
      for (const [k, v] of record.httpHeaders.headers.entries()) httpHeaders[k.toLowerCase()] = v;
    const payload = Buffer.from(await record.readFully(false));
    out.push({
      version: record.warcHeaders.statusline.trim(),
      type: record.warcType,
      url: record.warcTargetURI ?? '',
      warcHeaders,
      httpHeaders,
      status: record.httpHeaders?.statusCode ? Number(record.httpHeaders.statusCode) : null,
      payload,
    });
  }
  return out;
}

export type PngProbe = { width: number; height: number; pixels: [number, number, number][] };

/** Decodes a PNG in Chromium (a canvas) and samples pixels: no image library needed. */
export async function probePng(
  browser: Browser,
  file: string,
  points: readonly [number, number][],
): Promise<PngProbe> {
  const data = (await readFile(file)).toString('base64');
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const raw: unknown = await page.evaluate(
      `(async () => {
        const img = new Image();
        img.src = 'data:image/png;base64,${data}';
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d');
        ctx.drawImage(img, 0, 0);
        const points = ${JSON.stringify(points)};
        return {
          width: img.naturalWidth,
          height: img.naturalHeight,
          pixels: points.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3))),
        };
      })()`,
    );
    return raw as PngProbe;
  } finally {
    await context.close();
  }
}

/** A coarse fingerprint of a rectangle of a PNG: which cells of a grid contain dark pixels. */
export async function inkMap(
  browser: Browser,
  file: string,
  rect: { x: number; y: number; w: number; h: number },
): Promise<string> {
  const points: [number, number][] = [];
  for (let y = rect.y; y < rect.y + rect.h; y += 4)
    for (let x = rect.x; x < rect.x + rect.w; x += 4) points.push([x, y]);
  const probe = await probePng(browser, file, points);
  return probe.pixels.map(([r, g, b]) => (r + g + b < 384 ? '1' : '0')).join('');
}
