import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { createIntakeService } from '@core/intake/intake-service';
import { CHROMIUM } from '../helpers/chromium';
import {
  countOf,
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
 * The Statistics screen on the real backend in Chromium, in English and in Arabic (right to left):
 * reached from the navigation, the period's counts from `stats.report`, the charts drawn.
 */
const PASSWORD = 'correct horse battery';
const STEP = 20_000;

let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let page: Page;

beforeAll(async () => {
  const staticDir = await buildRenderer();
  chrome = await launchChromium();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-stats-'));
  backend = await createBackend({ dataDir, env: { VIGIL_BROWSER: CHROMIUM } });
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  const intake = createIntakeService(backend.workspace);
  for (const n of [1, 2, 3, 4])
    await intake.addReport(
      { url: `https://example.org/walk-${n}`, sourceType: 'volunteer' },
      { actor: 'ivan' },
    );
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
}, 180_000);

afterAll(async () => {
  await page?.close();
  await chrome?.close();
  await bridge?.close();
  await backend?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('Statistics screen', () => {
  it('shows the period figures from the navigation, in English and in Arabic', async () => {
    await page.goto(bridge.loginUrl, { waitUntil: 'domcontentloaded' });
    await go(page, bridge.url, '/dashboard', 'en');
    await page.waitForSelector(tid('sign-in-form'));
    await typeInto(page, tid('sign-in-name'), 'ivan');
    await typeInto(page, tid('sign-in-password'), PASSWORD);
    await page.click(tid('sign-in-submit'));
    await waitForOrError(page, tid('current-user'), STEP);

    await page.click(tid('nav-stats'));
    await waitForOrError(page, tid('stats-count-reported'), STEP);
    expect(await textOf(page, tid('stats-count-reported'))).toBe('4');
    expect(await textOf(page, tid('stats-count-captured'))).toBe('0');
    expect(await textOf(page, tid('stats-removal-rate'))).toBe('—');
    expect(await page.$(tid('stats-week-bars'))).not.toBeNull();
    expect(await countOf(page, `${tid('stats-distribution')} svg`)).toBe(5);
    await screenshot(page, 'stats-screen-en');

    await go(page, bridge.url, '/stats', 'ar');
    await waitForOrError(page, tid('stats-count-reported'), STEP);
    expect(await inPage<string>(page, 'document.documentElement.dir')).toBe('rtl');
    expect(await textOf(page, `${tid('screen-stats')} h1`)).toBe('الإحصاءات');
    // The count reads the same in Arabic (the app writes Western digits in every language, or Arabic-Indic ones).
    expect(await textOf(page, tid('stats-count-reported'))).toMatch(/^(4|٤)$/);
    await screenshot(page, 'stats-screen-ar');
  }, 120_000);
});
