import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureSite } from '../helpers/fixture-site';
import type { FixtureSite } from '../helpers/fixture-site';
import type { BackendHarness } from '../harness/backend-harness';
import { startBackendHarness } from '../harness/backend-harness';
import {
  attrOf,
  boxOf,
  chooseOption,
  go,
  screenshot,
  setInputValue,
  textOf,
  tid,
  typeInto,
  waitForOrError,
} from '../harness/page-helpers';
import type { LaunchedBrowser } from '../harness/ui-harness';
import { buildRenderer, launchChromium } from '../harness/ui-harness';

/**
 * The chain of evidence through the UI, as two users, on the real backend behind the loopback
 * bridge, in English, Arabic and Russian: first run → users (add, change a role, disable) →
 * report → capture → resource → decision → export → verify.
 */
const PASSWORD = 'correct horse battery';
const CA_PASSPHRASE = 'the unit CA passphrase';
const STEP = 20_000;

let staticDir: string;
let site: FixtureSite;
let chrome: LaunchedBrowser;

beforeAll(async () => {
  staticDir = await buildRenderer();
  site = await startFixtureSite();
  chrome = await launchChromium();
});

afterAll(async () => {
  await chrome?.close();
  await site?.close();
});

async function signIn(page: Page, name: string): Promise<void> {
  if (await page.$(tid('sign-out'))) await page.click(tid('sign-out'));
  await page.waitForSelector(tid('sign-in-form'));
  await typeInto(page, tid('sign-in-name'), name);
  await typeInto(page, tid('sign-in-password'), PASSWORD);
  await page.click(tid('sign-in-submit'));
  await waitForOrError(page, tid('current-user'), STEP);
}

async function addUser(page: Page, name: string, role: 'investigator' | 'reviewer'): Promise<void> {
  await typeInto(page, tid('new-user-name'), name);
  await chooseOption(page, 'new-user-role', role);
  await typeInto(page, tid('new-user-password'), PASSWORD);
  await page.click(tid('add-user'));
  await waitForOrError(page, `${tid('user-row')}[data-name="${name}"]`, STEP, tid('settings-users'));
}

describe.each(['en', 'ar', 'ru'] as const)('the evidence chain in the UI (%s)', (lang) => {
  let backend: BackendHarness;
  let page: Page;
  let resourceId = '';
  let bundlePath = '';
  const shot = (name: string) => screenshot(page, `${name}-${lang}`);

  beforeAll(async () => {
    backend = await startBackendHarness(staticDir);
    page = await chrome.browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    await page.goto(backend.loginUrl, { waitUntil: 'domcontentloaded' });
  });

  afterAll(async () => {
    await page?.close();
    await backend?.close();
  });

  it('first run creates the administrator', async () => {
    await go(page, backend.url, '/dashboard', lang);
    await page.waitForSelector(tid('setup-form'));
    expect(await page.evaluate('document.dir')).toBe(lang === 'ar' ? 'rtl' : 'ltr');
    await shot('setup');
    await typeInto(page, tid('setup-name'), 'admin');
    await typeInto(page, tid('setup-display-name'), 'Administrator');
    await typeInto(page, tid('setup-password'), PASSWORD);
    await typeInto(page, tid('setup-password-repeat'), PASSWORD);
    await typeInto(page, tid('setup-ca-passphrase'), CA_PASSPHRASE);
    await typeInto(page, tid('setup-ca-passphrase-repeat'), CA_PASSPHRASE);
    await page.click(tid('setup-submit'));
    await waitForOrError(page, tid('current-user'), STEP);
    const nav = await boxOf(page, tid('main-nav'));
    if (lang === 'ar') expect(nav.centre).toBeGreaterThan(nav.width / 2);
    else expect(nav.centre).toBeLessThan(nav.width / 2);
    await shot('dashboard');
  });

  it('the administrator adds an investigator and a reviewer', async () => {
    await go(page, backend.url, '/settings', lang);
    await waitForOrError(page, tid('add-user-form'), STEP);
    // Adding users, a role change and disabling unlock the local CA: the admin gives its passphrase.
    await typeInto(page, tid('users-ca-passphrase'), CA_PASSPHRASE);
    await addUser(page, 'ivan', 'investigator');
    await addUser(page, 'rania', 'reviewer');
    // A third user is promoted and then disabled from the row; the administrator's own row has no controls.
    await addUser(page, 'olga', 'investigator');
    await chooseOption(page, 'user-role-olga', 'reviewer');
    await waitForOrError(page, `${tid('user-row')}[data-name="olga"][data-role="reviewer"]`, STEP);
    await page.click(tid('user-toggle-olga'));
    await waitForOrError(page, `${tid('user-row')}[data-name="olga"][data-disabled="true"]`, STEP);
    expect(await page.$(tid('user-toggle-admin'))).toBeNull();
    expect(await page.$(tid('user-role-admin'))).toBeNull();
    // The fixture site is on 127.0.0.1: a lab workstation's admin allows private addresses (logged).
    await page.click(tid('settings-allow-private'));
    await page.click(tid('settings-save'));
    await waitForOrError(page, tid('settings-saved'), STEP);
    await shot('settings');
  });

  it('the investigator signs in and reports a URL of the fixture site', async () => {
    await signIn(page, 'ivan');
    expect(await textOf(page, tid('current-user'))).toContain('ivan');
    await go(page, backend.url, '/intake', lang);
    await typeInto(page, tid('intake-url'), `${site.http}/`);
    await shot('intake');
    await page.click(tid('intake-add'));
    await waitForOrError(page, tid('intake-result'), STEP);
    const href = (await attrOf(page, tid('intake-open-resource'), 'href')) ?? '';
    resourceId = href.split('/').pop() ?? '';
    expect(resourceId).toMatch(/^res_/);
  });

  it('captures it and shows live progress in the queue', async () => {
    await page.click(tid('intake-capture'));
    await waitForOrError(page, tid('intake-queued'), STEP);
    await go(page, backend.url, '/queue', lang);
    await waitForOrError(page, tid('queue-row'), STEP);
    await shot('queue');
    await page.waitForSelector(`${tid('queue-row')}:is([data-status="complete"],[data-status="partial"])`, {
      timeout: 120_000,
    });
  });

  it('opens the resource with its screenshot, artifacts and custody events', async () => {
    await go(page, backend.url, '/resources', lang);
    await waitForOrError(page, `${tid('resource-row')}[data-id="${resourceId}"]`, STEP);
    await shot('resources');
    await page.click(`${tid('resource-row')}[data-id="${resourceId}"]`);
    await waitForOrError(page, tid('screenshot-viewer'), STEP);
    expect((await page.$$(tid('artifact-row'))).length).toBeGreaterThan(3);
    await shot('resource');
    // The investigator hands the resource to review; only a reviewer sees the review button.
    await page.click(tid('resource-request-review'));
    await waitForOrError(page, tid('review-requested'), STEP);
    expect(await page.$(tid('resource-review'))).toBeNull();
  });

  it('the reviewer renders the packet, decides and signs', async () => {
    await signIn(page, 'rania');
    await go(page, backend.url, `/review/${resourceId}`, lang);
    await waitForOrError(page, tid('decision-form'), STEP);
    await page.click(tid('render-packet'));
    await waitForOrError(page, tid('packet-page'), 60_000);
    await chooseOption(page, 'field-measure', 'block_url');
    await chooseOption(page, 'field-sourceType', 'citizen');
    await typeInto(page, tid('field-territorialScope'), 'KZ');
    await setInputValue(page, tid('field-startDate'), '2026-11-22');
    await chooseOption(page, 'field-legalBasis', '*');
    await chooseOption(page, 'field-category', 'STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS');
    await typeInto(page, tid('field-facts'), 'The page offers prohibited goods for sale.');
    await typeInto(page, tid('field-explanation'), 'The offer is unlawful under the cited article.');
    await shot('review');
    await page.click(tid('open-sign'));
    await page.waitForSelector(tid('sign-password'), { visible: true });
    await typeInto(page, tid('sign-password'), PASSWORD);
    await page.click(tid('sign-submit'));
    await waitForOrError(page, tid('decision-signed'), 60_000);
  });

  it('exports the bundle and verifies it', async () => {
    await go(page, backend.url, '/export', lang);
    await typeInto(page, tid('export-ids'), resourceId);
    await page.click(tid('export-run'));
    await waitForOrError(page, tid('export-done'), 120_000);
    bundlePath = await textOf(page, tid('export-path'));
    expect(bundlePath).not.toBe('');
    await page.click(tid('verify-run'));
    await waitForOrError(page, tid('verify-result'), 120_000);
    expect(await attrOf(page, tid('verify-result'), 'data-ok')).toBe('true');
    await shot('export');
  });

  it('shows the custody log and every remaining screen without a crash', async () => {
    for (const screen of ['audit', 'search', 'review', 'dashboard'] as const) {
      await go(page, backend.url, `/${screen}`, lang);
      await page.waitForSelector(`main h1`);
      await shot(`${screen}-end`);
    }
    await go(page, backend.url, '/audit', lang);
    await waitForOrError(page, tid('audit-row'), STEP);
  });
});
