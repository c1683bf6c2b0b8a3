import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HTTPRequest, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { listAudit } from '@core/custody/audit-log';
import { createIntakeService } from '@core/intake/intake-service';
import { CHROMIUM } from '../helpers/chromium';
import { startFixtureSite, type FixtureSite } from '../helpers/fixture-site';
import { attrOf, go, screenshot, tid, typeInto, waitForOrError } from '../harness/page-helpers';
import { buildRenderer, launchChromium, type LaunchedBrowser } from '../harness/ui-harness';

/**
 * Reviewer wellbeing on the real backend in Chromium: the content warning of a `minors` resource
 * holds back every media request, the screenshot is blurred until revealed, leaving the screen ends
 * the reveal with its duration (measured by the backend), and the exposure counter and the admin
 * view show it.
 */
const PASSWORD = 'correct horse battery';
const STEP = 20_000;

let site: FixtureSite;
let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let resourceId: string;
let page: Page;
const artifactRequests: string[] = [];

async function signIn(name: string): Promise<void> {
  await page.goto(bridge.loginUrl, { waitUntil: 'domcontentloaded' });
  await go(page, bridge.url, '/dashboard', 'en');
  await page.waitForSelector(tid('sign-in-form'));
  await typeInto(page, tid('sign-in-name'), name);
  await typeInto(page, tid('sign-in-password'), PASSWORD);
  await page.click(tid('sign-in-submit'));
  await waitForOrError(page, tid('current-user'), STEP);
}

beforeAll(async () => {
  const staticDir = await buildRenderer();
  site = await startFixtureSite();
  chrome = await launchChromium();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-wellbeing-'));
  backend = await createBackend({ dataDir, env: { VIGIL_BROWSER: CHROMIUM } });
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'admin');
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=wellbeing`, sourceType: 'volunteer', category: 'minors' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  const capture = await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on('request', (request: HTTPRequest) => {
    if (request.url().includes('/artifacts/')) artifactRequests.push(request.url());
  });
}, 180_000);

afterAll(async () => {
  await page?.close();
  await chrome?.close();
  await bridge?.close();
  await backend?.close();
  await site?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('reviewer wellbeing in the UI', () => {
  it('shows the content warning before any media of the resource loads', async () => {
    await signIn('rita');
    // The counter loads after sign-in: wait for it rather than read it at once.
    await waitForOrError(page, `${tid('exposure-counter')}[data-revealed-ms="0"]`, STEP);
    await go(page, bridge.url, `/resources/${resourceId}`, 'en');
    await waitForOrError(page, tid('content-warning'), STEP);
    expect(await page.$(tid('captured-image'))).toBeNull();
    expect(artifactRequests).toEqual([]);
    await screenshot(page, 'wellbeing-content-warning');
    await page.click(tid('content-warning-accept'));
    await waitForOrError(page, `${tid('captured-image')}[data-blurred="true"]`, STEP);
    expect(artifactRequests.length).toBeGreaterThan(0);
    // The review screen holds the packet back behind the same warning.
    await go(page, bridge.url, `/review/${resourceId}`, 'en');
    await waitForOrError(page, tid('content-warning'), STEP);
    expect(await page.$(tid('render-packet'))).toBeNull();
  });

  it('times a reveal until the screen is left, and the counter shows it', async () => {
    await go(page, bridge.url, `/resources/${resourceId}`, 'en');
    await page.waitForSelector(tid('content-warning-accept'));
    await page.click(tid('content-warning-accept'));
    await waitForOrError(page, `${tid('captured-image')}[data-blurred="true"]`, STEP);
    await screenshot(page, 'wellbeing-blurred');
    await page.click(tid('reveal-media'));
    await waitForOrError(page, `${tid('captured-image')}[data-blurred="false"]`, STEP);
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(tid('captured-image'))})?.complete === true`,
      {
        timeout: STEP,
      },
    );
    // Leaving the screen in the app (not reloading it) ends the reveal.
    await page.click(tid('nav-dashboard'));
    await waitForOrError(page, `${tid('exposure-counter')}:not([data-revealed-ms="0"])`, STEP);
    const shown = Number(await attrOf(page, tid('exposure-counter'), 'data-revealed-ms'));
    const ended = (
      await backend.workspace.db.read((c) => listAudit(c, { action: 'media.reveal-ended', limit: 5 }))
    ).rows;
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ actor: 'rita', details: { how: 'left' } });
    const durationMs = (ended[0]?.details as { durationMs: number }).durationMs;
    expect(durationMs).toBeGreaterThan(0);
    expect(shown).toBe(durationMs);
    await screenshot(page, 'wellbeing-counter');
  });

  it('shows the administrator exposure per user per day', async () => {
    await signIn('admin');
    await go(page, bridge.url, '/settings', 'en');
    await waitForOrError(page, `${tid('exposure-row')}[data-user="rita"]`, STEP);
    expect(
      Number(
        await attrOf(page, `${tid('exposure-row')}[data-user="rita"] ${tid('exposure-row-ms')}`, 'data-ms'),
      ),
    ).toBeGreaterThan(0);
    await page.evaluate(`document.querySelector(${JSON.stringify(tid('exposure-admin'))}).scrollIntoView()`);
    await screenshot(page, 'wellbeing-admin-exposure');
  });

  it('previews the packet as page images, a screenshot page blurred until that page is revealed', async () => {
    await signIn('rita');
    await go(page, bridge.url, `/review/${resourceId}`, 'en');
    await page.waitForSelector(tid('content-warning-accept'));
    await page.click(tid('content-warning-accept'));
    await waitForOrError(page, tid('render-packet'), STEP);
    await page.click(tid('render-packet'));
    const blurredPage = `${tid('packet-page')} ${tid('captured-image')}[data-blurred="true"]`;
    await waitForOrError(page, blurredPage, 90_000);
    const pageNumber = await page.$eval(
      `${tid('packet-page')}:has(${tid('reveal-media')})`,
      (e) => (e as unknown as { dataset: { page: string } }).dataset.page,
    );
    // The image the browser got is the backend's greyscale derivative, not the page itself.
    const served = await page.$eval(blurredPage, async (img) => {
      const reply = await fetch((img as unknown as { src: string }).src);
      const bytes = new Uint8Array(await reply.arrayBuffer());
      return bytes[25];
    });
    expect(served).toBe(0);
    // Scroll the preview (its own scroll box, not the window) to the blurred page for the screenshot.
    await page.evaluate(
      `(() => { const box = document.querySelector(${JSON.stringify(tid('packet-pages'))});
        const at = box.querySelector(${JSON.stringify(`${tid('packet-page')}[data-page="${pageNumber}"]`)});
        box.scrollTop += at.getBoundingClientRect().top - box.getBoundingClientRect().top; })()`,
    );
    await screenshot(page, 'wellbeing-packet-blurred');
    await page.click(`${tid('packet-page')}[data-page="${pageNumber}"] ${tid('reveal-media')}`);
    await waitForOrError(
      page,
      `${tid('packet-page')}[data-page="${pageNumber}"] ${tid('captured-image')}[data-blurred="false"]`,
      STEP,
    );
    const revealed = (
      await backend.workspace.db.read((c) => listAudit(c, { action: 'media.revealed', limit: 5 }))
    ).rows;
    expect(revealed[0]).toMatchObject({ actor: 'rita', details: { page: Number(pageNumber) } });
    await screenshot(page, 'wellbeing-packet-revealed');
    // Leaving the screen re-blurs and ends the reveal; the counter grows by the backend-measured duration.
    const before = await attrOf(page, tid('exposure-counter'), 'data-revealed-ms');
    await page.click(tid('nav-dashboard'));
    await waitForOrError(page, `${tid('exposure-counter')}:not([data-revealed-ms="${before ?? ''}"])`, STEP);
    const ended = (
      await backend.workspace.db.read((c) => listAudit(c, { action: 'media.reveal-ended', limit: 5 }))
    ).rows;
    expect(ended[0]).toMatchObject({
      actor: 'rita',
      details: { how: 'left', sha256: (revealed[0]?.details as { sha256: string }).sha256 },
    });
  });
});
