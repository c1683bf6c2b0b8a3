import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { createIntakeService } from '@core/intake/intake-service';
import { CHROMIUM } from '../helpers/chromium';
import { countOf, go, screenshot, textOf, tid, typeInto, waitForOrError } from '../harness/page-helpers';
import { buildRenderer, launchChromium, type LaunchedBrowser } from '../harness/ui-harness';

/**
 * Indicators in the UI on the real backend: two shops sharing a wallet and a Telegram handle are
 * captured; the resource screen lists the indicators, boxes them over the screenshot, highlights
 * them in the text, and the Network view shows the cluster, in English and Arabic.
 */
const PASSWORD = 'correct horse battery';
const STEP = 20_000;
const WALLET = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
const HANDLE = 'pharma_shop24';

const shop = (title: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{margin:40px;font:22px sans-serif}</style></head><body><h1>${title}: ice and molly</h1>
<p>Pay in BTC: <span>${WALLET}</span></p><p>Telegram: <a href="https://t.me/${HANDLE}">@${HANDLE}</a></p></body></html>`;

let server: http.Server;
let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let resourceId: string;
let page: Page;

beforeAll(async () => {
  const staticDir = await buildRenderer();
  server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(shop(req.url === '/b' ? 'Shop B' : 'Shop A'));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  chrome = await launchChromium();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-indicators-'));
  backend = await createBackend({ dataDir, env: { VIGIL_BROWSER: CHROMIUM } });
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  const intake = createIntakeService(backend.workspace);
  for (const p of ['/a', '/b']) {
    const { resource } = await intake.addReport(
      { url: `${base}${p}`, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    resourceId ??= resource.id;
    await backend.captures.captureResource(resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: null,
      timeoutSeconds: 60,
    });
  }
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  await page.goto(bridge.loginUrl, { waitUntil: 'domcontentloaded' });
  await go(page, bridge.url, '/dashboard', 'en');
  await page.waitForSelector(tid('sign-in-form'));
  await typeInto(page, tid('sign-in-name'), 'ivan');
  await typeInto(page, tid('sign-in-password'), PASSWORD);
  await page.click(tid('sign-in-submit'));
  await waitForOrError(page, tid('current-user'), STEP);
}, 180_000);

afterAll(async () => {
  await page?.close();
  await chrome?.close();
  await bridge?.close();
  await backend?.close();
  server?.closeAllConnections();
  server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('indicators and networks in the UI', () => {
  for (const lang of ['en', 'ar'] as const) {
    it(`lists, boxes, highlights and networks the shared wallet (${lang})`, async () => {
      await go(page, bridge.url, `/resources/${resourceId}`, lang);
      await waitForOrError(page, tid('indicator-row'), STEP);
      expect(await textOf(page, tid('indicators-list'))).toContain(WALLET);
      await page.evaluate(
        `document.querySelector(${JSON.stringify(tid('indicators-panel'))})?.scrollIntoView()`,
      );
      await screenshot(page, `indicators-list-${lang}`);
      await page.click(tid('indicators-view-screenshot'));
      await waitForOrError(page, tid('indicator-box'), STEP);
      expect(await countOf(page, tid('indicator-box'))).toBeGreaterThan(1);
      await screenshot(page, `indicators-overlay-${lang}`);
      await page.click(tid('indicators-view-text'));
      await waitForOrError(page, tid('indicator-highlight'), STEP);
      expect(await textOf(page, tid('indicators-text'))).toContain(WALLET);
      await screenshot(page, `indicators-text-${lang}`);
      await page.click(tid('indicators-view-network'));
      await waitForOrError(page, tid('network-indicator-row'), STEP);
      await page.click(tid('network-indicator-row'));
      await waitForOrError(page, tid('indicator-holders'), STEP);
      await screenshot(page, `indicators-network-${lang}`);
    });
  }
});
