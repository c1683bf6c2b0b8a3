import { existsSync } from 'node:fs';
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
import {
  attrOf,
  go,
  inPage,
  screenshot,
  textOf,
  tid,
  typeInto,
  waitForOrError,
} from '../harness/page-helpers';
import { buildRenderer, launchChromium, type LaunchedBrowser } from '../harness/ui-harness';

/**
 * Triage in the UI on the real backend, one captured shop: the resource list counts its indicators
 * and coded terms, intake says a new report of its Telegram link shares it with the known shop
 * (en, ar), the resource screen exports its indicators as a download written to exports/, and a
 * reviewer's "Suggest from indicators" fills the facts and ticks automated detection (en, ru).
 */
const PASSWORD = 'correct horse battery';
const STEP = 20_000;
const WALLET = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
const HANDLE = 'border_help77';
const SHOP = `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Помощь</title></head>
<body style="font:22px sans-serif;margin:40px"><h1>Переход границы без документов</h1><p>Также соль и закладки.</p>
<p>Оплата BTC: ${WALLET}</p><p>Telegram: <a href="https://t.me/${HANDLE}">@${HANDLE}</a></p></body></html>`;

let server: http.Server;
let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let resourceId: string;
const pages: Page[] = [];

async function signedIn(name: string): Promise<Page> {
  const context = await chrome.browser.createBrowserContext();
  const page = await context.newPage();
  pages.push(page);
  await page.setViewport({ width: 1400, height: 1000 });
  await page.goto(bridge.loginUrl, { waitUntil: 'domcontentloaded' });
  await go(page, bridge.url, '/dashboard', 'en');
  await page.waitForSelector(tid('sign-in-form'));
  await typeInto(page, tid('sign-in-name'), name);
  await typeInto(page, tid('sign-in-password'), PASSWORD);
  await page.click(tid('sign-in-submit'));
  await waitForOrError(page, tid('current-user'), STEP);
  return page;
}

beforeAll(async () => {
  const staticDir = await buildRenderer();
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(SHOP);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  chrome = await launchChromium();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-triage-'));
  backend = await createBackend({ dataDir, env: { VIGIL_BROWSER: CHROMIUM } });
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${base}/shop`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
}, 180_000);

afterAll(async () => {
  for (const p of pages) await p.browserContext().close();
  await chrome?.close();
  await bridge?.close();
  await backend?.close();
  server?.closeAllConnections();
  server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('triage from indicators in the UI', () => {
  let ivan: Page;

  it('counts indicators and coded terms in the resource list', async () => {
    ivan = await signedIn('ivan');
    await go(ivan, bridge.url, '/resources', 'en');
    const cell = `${tid('resource-row')}[data-id="${resourceId}"] ${tid('resource-row-indicators')}`;
    await waitForOrError(ivan, cell, STEP);
    expect(await attrOf(ivan, cell, 'data-indicators')).toBe('2');
    expect(await attrOf(ivan, cell, 'data-terms')).toBe('4');
    await screenshot(ivan, 'indicators-triage-list-en');
  });

  for (const lang of ['en', 'ar'] as const) {
    it(`says at intake that a report of the shop's Telegram link shares it (${lang})`, async () => {
      await go(ivan, bridge.url, '/intake', lang);
      await typeInto(ivan, tid('intake-url'), `https://t.me/${HANDLE}`);
      await ivan.click(tid('intake-add'));
      await waitForOrError(ivan, tid('intake-hints'), STEP);
      expect(await attrOf(ivan, tid('intake-hint'), 'data-value')).toBe(HANDLE);
      expect(await textOf(ivan, tid('intake-hint'))).toContain(`@${HANDLE}`);
      await screenshot(ivan, `indicators-triage-intake-${lang}`);
    });
  }

  it('exports the resource indicators from the Indicators card into exports/', async () => {
    await go(ivan, bridge.url, `/resources/${resourceId}`, 'en');
    await waitForOrError(ivan, tid('indicator-export-csv'), STEP);
    await ivan.click(tid('indicator-export-csv'));
    await waitForOrError(ivan, tid('indicator-exported'), STEP);
    const written = (await textOf(ivan, tid('indicator-exported'))).match(/\/\S+\.csv/)?.[0] ?? '';
    expect(path.dirname(written)).toBe(backend.workspace.paths.exports);
    expect(existsSync(written)).toBe(true);
    await inPage(
      ivan,
      `document.querySelector(${JSON.stringify(tid('indicator-export'))})?.scrollIntoView()`,
    );
    await screenshot(ivan, 'indicators-triage-export-en');
  });

  for (const lang of ['en', 'ru'] as const) {
    it(`fills the facts from the indicators as an editable suggestion (${lang})`, async () => {
      const rita = pages.find((p) => p !== ivan) ?? (await signedIn('rita'));
      await go(rita, bridge.url, `/review/${resourceId}`, lang);
      await waitForOrError(rita, tid('suggest-from-indicators'), STEP);
      await rita.click(tid('suggest-from-indicators'));
      await waitForOrError(rita, tid('suggestion-applied'), STEP);
      const facts = await inPage<string>(
        rita,
        `document.querySelector(${JSON.stringify(tid('field-facts'))}).value`,
      );
      expect(facts).toContain(WALLET);
      expect(facts).toContain(lang === 'ru' ? '«переход границы»' : '"переход границы"');
      const ticked = await inPage<boolean>(
        rita,
        `[...document.querySelectorAll('[data-testid="decision-form"] input[type="checkbox"]')].some((c) => c.checked)`,
      );
      expect(ticked).toBe(true);
      await inPage(
        rita,
        `document.querySelector(${JSON.stringify(tid('field-facts'))})?.scrollIntoView({ block: 'center' })`,
      );
      await screenshot(rita, `indicators-triage-suggest-${lang}`);
    });
  }
});
