import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Frame } from 'puppeteer-core';
import {
  browserWaczCheck,
  replayText,
  replayVerification,
  startReplayServer,
} from '@tests/helpers/replay-server';
import { testWaczSigner } from '@tests/helpers/wacz-signer';
import { flipWarcByte, parseCdxj } from '@tests/helpers/wacz-tamper';
import type { WaczSigner } from '@core/capture/wacz-signing';
import type { ReplayServer } from '@tests/helpers/replay-server';
import { readZipEntry, startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

let env: CaptureEnv;
let replay: ReplayServer | null = null;
beforeAll(async () => {
  env = await startCaptureEnv();
});
afterAll(async () => {
  await replay?.close();
  await env.close();
});

test('the WACZ of a capture replays in ReplayWeb.page with the page text', async () => {
  const url = `${env.site.http}/`;
  const capture = await env.capture(url);
  expect(capture.outcome).toBe('complete');
  const wacz = capture.artifacts.find((a) => a.kind === 'wacz');
  expect(wacz).toBeDefined();
  if (!wacz) return;
  replay = await startReplayServer({ waczFile: wacz.file, url });
  const origin = replay.origin;

  const context = await env.browser.createBrowserContext();
  try {
    const page = await context.newPage();
    // Replay must not reach the live site (or anything else): only the replay server is allowed.
    const leaked: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const target = req.url();
      if (target.startsWith(origin) || target.startsWith('data:') || target.startsWith('blob:')) {
        void req.continue();
      } else {
        leaked.push(target);
        void req.abort();
      }
    });
    await page.goto(replay.pageUrl, { waitUntil: 'load', timeout: 30_000 });

    // The replayed page's frame: /replay/w/<coll>/<hash>/<timestamp>mp_/<original url>
    const replayed = (frame: Frame): boolean => frame.url().includes(`mp_/${url}`);
    const deadline = Date.now() + 60_000;
    // ReplayWeb.page installs a service worker on first load; if that first load raced the worker and
    // no replay frame appeared, one reload (as a person would) lets the installed worker serve it.
    const reloadAt = Date.now() + 20_000;
    let reloaded = false;
    let text = '';
    while (Date.now() < deadline && !text.includes('HOME-7731')) {
      if (!reloaded && Date.now() > reloadAt && !page.frames().some(replayed)) {
        reloaded = true;
        await page.reload({ waitUntil: 'load', timeout: 30_000 });
      }
      const frame = page.frames().find(replayed);
      if (frame) {
        text = await frame.evaluate('document.body ? document.body.innerText : ""').then(String, () => '');
        if (text.includes('HOME-7731')) break;
      }
      await page.waitForFrame(replayed, { timeout: 2_000 }).catch(() => undefined);
      await frame
        ?.waitForFunction('document.body && document.body.innerText.includes("HOME-7731")', {
          timeout: 2_000,
        })
        .catch(() => undefined);
    }
    expect(text).toContain('Evidence marker HOME-7731');
    expect(leaked.filter((u) => u.startsWith(env.site.http))).toEqual([]);
  } finally {
    await context.close();
  }
});

describe('a signed WACZ in ReplayWeb.page', () => {
  let signer: WaczSigner;
  let waczFile = '';
  const url = (): string => `${env.site.http}/`;
  beforeAll(async () => {
    signer = await testWaczSigner();
    const capture = await env.capture(url(), { waczSigner: signer });
    waczFile = capture.artifacts.find((a) => a.kind === 'wacz')?.file ?? '';
  });

  /** Replays `file` in a fresh context and origin; returns what ReplayWeb.page and WebCrypto found. */
  async function replayAndCheck(file: string, markers: readonly string[]) {
    const server = await startReplayServer({ waczFile: file, url: url() });
    const context = await env.browser.createBrowserContext();
    try {
      const page = await context.newPage();
      const { text, leaked } = await replayText(page, server, url(), markers);
      return {
        text,
        leaked,
        rows: await replayVerification(page),
        browser: await browserWaczCheck(page, server),
      };
    } finally {
      await context.close();
      await server.close();
    }
  }

  test('ReplayWeb.page reports it signed by the workstation certificate and the signature valid', async () => {
    expect(waczFile).not.toBe('');
    const { text, leaked, rows, browser } = await replayAndCheck(waczFile, ['HOME-7731']);
    expect(text).toContain('Evidence marker HOME-7731');
    expect(leaked.filter((u) => u.startsWith(env.site.http))).toEqual([]);
    const row = (id: string) => rows.find((r) => r.id === id);
    expect(row('signature')).toMatchObject({ expected: true, matched: true });
    expect(row('domain')?.expected).toBe('Vigil workstation test-bench');
    expect(row('software')?.expected).toBe('Vigil capture engine');
    const spki = new X509Certificate(signer.certificatePem).publicKey.export({ type: 'spki', format: 'der' });
    expect(row('publicKey')?.expected).toBe(spki.toString('base64'));
    // The signed hash is the datapackage's, and the datapackage's hashes are the files' (WebCrypto).
    expect(row('datapackageHash')?.expected).toBe(browser.datapackageHash);
    expect(browser.signedHash).toBe(browser.datapackageHash);
    expect(browser.digestHash).toBe(browser.datapackageHash);
    expect(browser.resources.map((r) => r.path)).toContain('archive/data.warc.gz');
    for (const r of browser.resources) expect(r.actual).toBe(r.expected);
  });

  test('one flipped byte of the WARC: the page no longer replays and the signed hashes no longer hold', async () => {
    const lines = parseCdxj((await readZipEntry(waczFile, 'indexes/index.cdxj')).toString('utf8'));
    const record = lines.find((l) => l.url === url());
    expect(record).toBeDefined();
    if (!record) return;
    const flipped = path.join(path.dirname(waczFile), 'flipped.wacz');
    await flipWarcByte(waczFile, flipped, record.offset + Math.floor(record.length / 2));
    const { text, rows, browser } = await replayAndCheck(flipped, ['HOME-7731', 'Archived Page Not Found']);
    expect(text).not.toContain('HOME-7731');
    // ReplayWeb.page's signature covers datapackage.json, which did not change; it never hashes a
    // whole WARC, so the change shows as the record it cannot read and as the WARC's hash.
    expect(rows.find((r) => r.id === 'signature')).toMatchObject({ matched: true });
    expect(browser.signedHash).toBe(browser.datapackageHash);
    const warc = browser.resources.find((r) => r.path === 'archive/data.warc.gz');
    expect(warc?.actual).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(warc?.actual).not.toBe(warc?.expected);
  });
});
