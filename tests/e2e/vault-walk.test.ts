import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { encodePng } from '@core/capture/png-rows';
import { listAudit } from '@core/custody/audit-log';
import { createIntakeService } from '@core/intake/intake-service';
import { raiseSuspectedCsam } from '@core/review/suspected-csam-flag';
import { CHROMIUM } from '../helpers/chromium';
import { go, screenshot, tid, typeInto, waitForOrError } from '../harness/page-helpers';
import { buildRenderer, launchChromium, type LaunchedBrowser } from '../harness/ui-harness';

/**
 * The restricted vault in the UI on the real backend: the administrator authorises a reviewer in
 * Settings; on the resource screen that reviewer sees "View from vault" for the withheld item, gets
 * it blurred, reveals it (custody events) — and someone not authorised never gets the button.
 */
const PASSWORD = 'correct horse battery';
const STEP = 20_000;

function stripes(width: number, height: number): Buffer {
  const raw = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1)
      raw.set((x >> 3) % 2 === 0 ? [250, 10, 200] : [10, 240, 30], y * (width * 3 + 1) + 1 + x * 3);
  return encodePng(width, height, 2, raw);
}
const IMAGE = stripes(160, 96);
const SHA = createHash('sha256').update(IMAGE).digest('hex');
const HTML = `<!doctype html><html><head><title>Vault walk</title></head><body><p>words stay</p>
<img src="/v.png" width="160" height="96"></body></html>`;

let server: http.Server;
let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let resourceId = '';
let page: Page;

async function signIn(name: string): Promise<void> {
  await page.goto(bridge.loginUrl, { waitUntil: 'domcontentloaded' });
  await go(page, bridge.url, '/dashboard', 'en');
  await page.waitForSelector(tid('sign-in-form'));
  await typeInto(page, tid('sign-in-name'), name);
  await typeInto(page, tid('sign-in-password'), PASSWORD);
  await page.click(tid('sign-in-submit'));
  await waitForOrError(page, tid('current-user'), STEP);
}

async function openResource(): Promise<void> {
  await go(page, bridge.url, `/resources/${resourceId}`, 'en');
  await page.waitForSelector(tid('content-warning-accept'));
  await page.click(tid('content-warning-accept'));
  await waitForOrError(page, `${tid('withheld-item')}[data-sha256="${SHA}"]`, STEP);
}

beforeAll(async () => {
  const staticDir = await buildRenderer();
  server = http.createServer((req, res) => {
    if (req.url === '/page') res.writeHead(200, { 'Content-Type': 'text/html' }).end(HTML);
    else if (req.url === '/v.png') res.writeHead(200, { 'Content-Type': 'image/png' }).end(IMAGE);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  chrome = await launchChromium();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-vault-'));
  backend = await createBackend({ dataDir, env: { VIGIL_BROWSER: CHROMIUM } });
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'admin');
  await backend.settings.update({ csamPolicy: 'vault' }, 'admin');
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${base}/page`, sourceType: 'volunteer', category: 'minors' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  await raiseSuspectedCsam(backend.workspace, {
    resourceId,
    reason: 'reported as abuse material',
    actor: 'ivan',
  });
  const capture = await backend.captures.captureResource(resourceId, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.withheld?.map((w) => w.sha256)).toContain(SHA);
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
}, 180_000);

afterAll(async () => {
  await page?.close();
  await chrome?.close();
  await bridge?.close();
  await backend?.close();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the restricted vault in the UI', () => {
  it('offers nothing from the vault to a user who is not authorised', async () => {
    await signIn('rita');
    await openResource();
    expect(await page.$(tid('vault-view-open'))).toBeNull();
  });

  it('lets the administrator authorise a reviewer in Settings, with a reason', async () => {
    await signIn('admin');
    await go(page, bridge.url, '/settings', 'en');
    await waitForOrError(page, tid('vault-authorisation'), STEP);
    await typeInto(page, tid('vault-auth-user'), 'rita');
    await typeInto(page, tid('vault-auth-reason'), 'hotline liaison');
    await page.click(tid('vault-auth-grant'));
    await waitForOrError(page, tid('vault-auth-done'), STEP);
    await page.evaluate(
      `document.querySelector(${JSON.stringify(tid('vault-authorisation'))}).scrollIntoView()`,
    );
    await screenshot(page, 'vault-authorise');
    const granted = (
      await backend.workspace.db.read((c) => listAudit(c, { action: 'csam_authorised.granted', limit: 5 }))
    ).rows;
    expect(granted[0]).toMatchObject({
      actor: 'admin',
      subject: 'user:rita',
      details: { reason: 'hotline liaison' },
    });
  });

  it('shows the authorised reviewer the item blurred, and the original after a logged reveal', async () => {
    await signIn('rita');
    await openResource();
    await page.click(tid('vault-view-open'));
    await waitForOrError(page, `${tid('vault-image')}[data-blurred="true"]`, STEP);
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(tid('vault-image'))})?.naturalWidth === 160`,
      { timeout: STEP },
    );
    // The grant was used by the image itself: fetching the same URL again gets nothing.
    const again = await page.$eval(tid('vault-image'), async (img) => {
      const reply = await fetch((img as unknown as { src: string }).src);
      return reply.status;
    });
    expect(again).toBe(404);
    await screenshot(page, 'vault-blurred');
    await page.click(tid('vault-reveal'));
    await waitForOrError(page, `${tid('vault-image')}[data-blurred="false"]`, STEP);
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(tid('vault-image'))})?.complete === true`,
      { timeout: STEP },
    );
    await screenshot(page, 'vault-revealed');
    const audit = async (action: string) =>
      (await backend.workspace.db.read((c) => listAudit(c, { action, limit: 20 }))).rows.filter(
        (r) => r.action === action && r.actor === 'rita',
      );
    expect(await audit('vault.read-granted')).toHaveLength(2);
    expect(await audit('vault.read')).toHaveLength(2);
    expect((await audit('media.revealed'))[0]).toMatchObject({ details: { sha256: SHA, vault: true } });
    const endedEvent = new Promise<unknown>((resolve) => {
      const stop = backend.events.subscribe((event) => {
        if (event.name !== 'audit.appended' || event.payload.action !== 'media.reveal-ended') return;
        stop();
        resolve(event.payload);
      });
    });
    await page.click(tid('vault-hide'));
    await waitForOrError(page, `${tid('vault-image')}[data-blurred="true"]`, STEP);
    await endedEvent;
    const ended = (
      await backend.workspace.db.read((c) => listAudit(c, { action: 'media.reveal-ended', limit: 5 }))
    ).rows;
    expect(ended[0]).toMatchObject({ actor: 'rita', details: { sha256: SHA, how: 'hidden' } });
  });
});
