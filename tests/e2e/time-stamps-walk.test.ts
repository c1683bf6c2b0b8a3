import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureSite, type FixtureSite } from '../helpers/fixture-site';
import { startTsaServer, type TsaServer } from '../helpers/tsa-server';
import { startBackendHarness, type BackendHarness } from '../harness/backend-harness';
import { attrOf, go, textOf, tid, typeInto, waitForOrError } from '../harness/page-helpers';
import { buildRenderer, launchChromium, type LaunchedBrowser } from '../harness/ui-harness';

/**
 * Time-stamping through the UI on the real backend: first run records "none" and the dashboard
 * warns; Settings then chooses an authority (URL, its root from a PEM file, policy) that is down, so
 * a capture stays pending and the dashboard counts it, and the capture says it is not time-stamped.
 */
const PASSWORD = 'correct horse battery';
const CA_PASSPHRASE = 'the unit CA passphrase';
const STEP = 20_000;
const SHOTS = path.resolve(__dirname, '../output/time-stamps');

let staticDir: string;
let site: FixtureSite;
let down: TsaServer;
let chrome: LaunchedBrowser;
let backend: BackendHarness;
let page: Page;

const shot = async (name: string) => {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
};

beforeAll(async () => {
  [staticDir, site, down, chrome] = await Promise.all([
    buildRenderer(),
    startFixtureSite(),
    // A genuine authority's root, at a URL that answers every request with HTTP 503: the TSA is down.
    startTsaServer({ mode: 'http-error' }),
    launchChromium(),
  ]);
  backend = await startBackendHarness(staticDir);
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(backend.loginUrl, { waitUntil: 'domcontentloaded' });
}, 180_000);

afterAll(async () => {
  await page?.close();
  await backend?.close();
  await chrome?.close();
  await Promise.all([site?.close(), down?.close()]);
});

describe('time-stamps in the UI', () => {
  it('first run records "none" as a choice, and the dashboard warns', async () => {
    await go(page, backend.url, '/dashboard', 'en');
    await page.waitForSelector(tid('setup-form'));
    await typeInto(page, tid('setup-name'), 'admin');
    await typeInto(page, tid('setup-password'), PASSWORD);
    await typeInto(page, tid('setup-password-repeat'), PASSWORD);
    await typeInto(page, tid('setup-ca-passphrase'), CA_PASSPHRASE);
    await typeInto(page, tid('setup-ca-passphrase-repeat'), CA_PASSPHRASE);
    await page.click(tid('tsa-mode-none'));
    await shot('setup-none');
    await page.click(tid('setup-submit'));
    await waitForOrError(page, tid('current-user'), STEP);
    await waitForOrError(page, tid('tsa-warning'), STEP);
    expect(await textOf(page, tid('tsa-warning'))).toContain('Not time-stamped by an independent authority');
    await shot('dashboard-none');
    await go(page, backend.url, '/settings', 'en');
    await waitForOrError(page, tid('tsa-current'), STEP);
    expect(await textOf(page, tid('tsa-current'))).toContain('Chosen: none');
  }, 60_000);

  it('Settings chooses an authority from its URL, a PEM file and a policy', async () => {
    await page.click(tid('tsa-mode-authority'));
    await typeInto(page, tid('tsa-url'), down.url);
    // The trust anchor comes from a PEM file, picked as a user picks it.
    const [chooser] = await Promise.all([page.waitForFileChooser(), page.click(tid('tsa-ca-pick'))]);
    await chooser.accept([down.caCertPath]);
    await page.waitForFunction(
      `document.querySelector('[data-testid="tsa-ca-pem"]').value.includes('BEGIN CERTIFICATE')`,
    );
    await typeInto(page, tid('tsa-policy'), down.policy);
    await page.click(tid('tsa-qualified'));
    await page.click(tid('tsa-save'));
    await waitForOrError(page, tid('tsa-saved'), STEP);
    await page.waitForFunction(
      `document.querySelector('[data-testid="tsa-current"]').textContent.includes(${JSON.stringify(down.url)})`,
    );
    expect(await textOf(page, tid('tsa-current'))).toContain('eIDAS qualified');
    // The fixture site is on 127.0.0.1: a lab workstation's admin allows private addresses (logged).
    await page.click(tid('settings-allow-private'));
    await page.click(tid('settings-save'));
    await waitForOrError(page, tid('settings-saved'), STEP);
    await shot('settings-authority');
  }, 60_000);

  it('a capture sealed while the TSA is down is pending: the dashboard counts it, the capture says so', async () => {
    await go(page, backend.url, '/intake', 'en');
    await typeInto(page, tid('intake-url'), `${site.http}/`);
    await page.click(tid('intake-add'));
    await waitForOrError(page, tid('intake-result'), STEP);
    const href = (await attrOf(page, tid('intake-open-resource'), 'href')) ?? '';
    const resourceId = href.split('/').pop() ?? '';
    expect(resourceId).toMatch(/^res_/);
    await page.click(tid('intake-capture'));
    await waitForOrError(page, tid('intake-queued'), STEP);
    await go(page, backend.url, '/queue', 'en');
    await page.waitForSelector(`${tid('queue-row')}:is([data-status="complete"],[data-status="partial"])`, {
      timeout: 120_000,
    });
    expect(down.received()).toBeGreaterThanOrEqual(1);

    await go(page, backend.url, '/dashboard', 'en');
    await page.waitForFunction(
      `document.querySelector('[data-testid="tsa-pending"]')?.textContent.startsWith('1 capture')`,
      { timeout: STEP },
    );
    expect(await textOf(page, tid('tsa-pending'))).toMatch(
      /^1 capture\(s\) waiting for a time-stamp, since /,
    );
    // An authority is chosen now, so the dashboard's "none" warning is gone.
    expect(await page.$(tid('tsa-warning'))).toBeNull();
    await shot('dashboard-pending');

    await go(page, backend.url, `/resources/${resourceId}`, 'en');
    await waitForOrError(page, tid('capture-not-timestamped'), STEP);
    expect(await textOf(page, tid('capture-not-timestamped'))).toContain(
      'Not time-stamped by an independent authority',
    );
    expect(await page.$(tid('capture-timestamp'))).toBeNull();
    await shot('resource-pending');
  }, 180_000);
});
