import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HTTPRequest, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { listAudit } from '@core/custody/audit-log';
import { CHROMIUM } from '../helpers/chromium';
import { startFixtureSite, type FixtureSite } from '../helpers/fixture-site';
import {
  attrOf,
  chooseOption,
  countOf,
  go,
  screenshot,
  textOf,
  tid,
  typeInto,
  waitForOrError,
} from '../harness/page-helpers';
import { buildRenderer, launchChromium, type LaunchedBrowser } from '../harness/ui-harness';

/**
 * Restricted capture in the UI on the real backend: the administrator sets "no screenshot" for
 * restricted captures and imports a known-hash list from a file; intake of a `minors` report asks
 * the suspected-CSAM question (Add stays disabled until it is answered); the flagged resource, once
 * captured, shows the withheld list with hashes and reasons and loads no medium at all; a reviewer
 * records an assessment of a withheld item.
 */
const PASSWORD = 'correct horse battery';
const STEP = 20_000;

let site: FixtureSite;
let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let page: Page;
let resourceId = '';
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

const disabled = (selector: string): Promise<boolean> =>
  page.$eval(selector, (e) => (e as unknown as { disabled: boolean }).disabled);

beforeAll(async () => {
  const staticDir = await buildRenderer();
  site = await startFixtureSite();
  chrome = await launchChromium();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-restricted-'));
  backend = await createBackend({ dataDir, env: { VIGIL_BROWSER: CHROMIUM } });
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'admin');
  await backend.settings.update({ allowPrivateNetwork: true }, 'admin');
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on('request', (request: HTTPRequest) => {
    const url = request.url();
    if (url.includes('/artifacts/') || url.startsWith(site.http)) artifactRequests.push(url);
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

describe('restricted capture in the UI', () => {
  it('lets the administrator choose no screenshot and import a known-hash list from a file', async () => {
    await signIn('admin');
    await go(page, bridge.url, '/settings', 'en');
    await waitForOrError(page, tid('restricted-settings'), STEP);
    expect(await page.$(tid('hashlists-table'))).toBeNull();
    await chooseOption(page, 'restricted-screenshots', 'none');
    await page.click(tid('restricted-save'));
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(tid('restricted-save'))})?.disabled === true`,
      { timeout: STEP },
    );
    const listFile = path.join(dataDir, 'unit-list.csv');
    await writeFile(listFile, `sha256,label\n${'ab'.repeat(32)},csam.test\n${'cd'.repeat(32)},\n`);
    await typeInto(page, tid('hashlist-name'), 'unit-list');
    await typeInto(page, tid('hashlist-source'), 'test hotline');
    const input = await page.waitForSelector('input[data-testid="hashlist-file"]');
    await input?.uploadFile(listFile);
    await page.click(tid('hashlist-import'));
    await waitForOrError(page, `${tid('hashlist-row')}[data-name="unit-list"]`, STEP);
    expect(await textOf(page, tid('hashlist-entries'))).toBe('2');
    await page.evaluate(
      `document.querySelector(${JSON.stringify(tid('restricted-settings'))}).scrollIntoView()`,
    );
    await screenshot(page, 'restricted-settings');
    const changed = (
      await backend.workspace.db.read((c) => listAudit(c, { action: 'settings.changed', limit: 20 }))
    ).rows;
    expect(changed.some((r) => JSON.stringify(r.details).includes('restricted.screenshots'))).toBe(true);
  });

  it('asks the suspected-CSAM question for a minors report and keeps Add disabled until answered', async () => {
    await signIn('ivan');
    await go(page, bridge.url, '/intake', 'en');
    await typeInto(page, tid('intake-url'), `${site.http}/lazy`);
    expect(await page.$(tid('intake-suspected-csam'))).toBeNull();
    await chooseOption(page, 'intake-category', 'minors');
    await waitForOrError(page, tid('intake-suspected-csam'), STEP);
    expect(await disabled(tid('intake-add'))).toBe(true);
    await screenshot(page, 'restricted-intake-question');
    await chooseOption(page, 'intake-suspected-csam', 'yes');
    expect(await disabled(tid('intake-add'))).toBe(false);
    await page.click(tid('intake-add'));
    await waitForOrError(page, tid('intake-result'), STEP);
    const href = (await attrOf(page, tid('intake-open-resource'), 'href')) ?? '';
    resourceId = href.split('/').pop() ?? '';
    expect(resourceId).toMatch(/^res_/);
  });

  it('shows the flagged capture as a withheld list, with no screenshot and no medium loaded', async () => {
    const record = await backend.captures.captureResource(resourceId, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: null,
      timeoutSeconds: 60,
    });
    expect(record.restricted).toBe(true);
    expect(record.restriction?.screenshots).toBe('none');
    const withheld = record.withheld ?? [];
    expect(withheld.length).toBeGreaterThan(0);
    artifactRequests.length = 0;
    await signIn('rita');
    await go(page, bridge.url, `/resources/${resourceId}`, 'en');
    await waitForOrError(page, tid('content-warning-accept'), STEP);
    await page.click(tid('content-warning-accept'));
    await waitForOrError(page, tid('withheld-media'), STEP);
    expect(await countOf(page, tid('withheld-item'))).toBe(withheld.length);
    expect(await attrOf(page, tid('withheld-item'), 'data-sha256')).toBe(withheld[0]?.sha256);
    expect(await page.$(tid('captured-image'))).toBeNull();
    expect(await countOf(page, `${tid('screen-resource')} img`)).toBe(0);
    // Nothing of the capture's media, nor anything of the reported site, reached the browser.
    expect(artifactRequests.filter((u) => !u.includes('/artifacts/') || /\.(png|svg|jpe?g)/.test(u))).toEqual(
      [],
    );
    await page.evaluate(
      `document.querySelector(${JSON.stringify(tid('resource-withheld'))}).scrollIntoView()`,
    );
    await screenshot(page, 'restricted-withheld-list');
  });

  it('records a reviewer’s assessment of a withheld item, which labels it in the next capture', async () => {
    await typeInto(page, tid('withheld-assess-label'), 'csam.assessed');
    await page.click(tid('withheld-assess'));
    await waitForOrError(page, tid('withheld-assessed'), STEP);
    const assessed = (
      await backend.workspace.db.read((c) => listAudit(c, { action: 'media.assessed', limit: 5 }))
    ).rows;
    expect(assessed[0]).toMatchObject({ actor: 'rita' });
    // The next capture of the same item carries that label, and the screen shows it first.
    await backend.captures.captureResource(resourceId, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: null,
      timeoutSeconds: 60,
    });
    // The dashboard must have replaced the resource screen (a new screen asks for the warning
    // again); two hash changes in a row can leave the old screen mounted.
    await go(page, bridge.url, '/dashboard', 'en');
    await waitForOrError(page, tid('screen-dashboard'), STEP);
    await go(page, bridge.url, `/resources/${resourceId}`, 'en');
    await waitForOrError(page, tid('content-warning-accept'), STEP);
    await page.click(tid('content-warning-accept'));
    await waitForOrError(page, tid('withheld-prior-label'), STEP);
    expect(await textOf(page, tid('withheld-prior-label'))).toContain('csam.assessed');
    expect(await page.$(tid('captured-image'))).toBeNull();
    await page.evaluate(
      `document.querySelector(${JSON.stringify(tid('resource-withheld'))}).scrollIntoView()`,
    );
    await screenshot(page, 'restricted-assessed');
  });
});
