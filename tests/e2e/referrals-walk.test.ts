import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { createIntakeService } from '@core/intake/intake-service';
import { referralsOn } from '@core/referrals/referrals-backend';
import { CHROMIUM } from '../helpers/chromium';
import { callAs } from '../helpers/backend-calls';
import { approvalOf } from '../helpers/decision-input';
import { startFixtureSite, type FixtureSite } from '../helpers/fixture-site';
import { chooseOption, go, screenshot, tid, typeInto, waitForOrError } from '../harness/page-helpers';
import { buildRenderer, launchChromium, type LaunchedBrowser } from '../harness/ui-harness';

/**
 * The Referrals panel of the resource screen on the real backend: an investigator creates a
 * referral from the approval, hands the notice over to a register with its reference, records the
 * answer; the panel in English and in Arabic.
 */
const PASSWORD = 'correct horse battery';
const STEP = 30_000;

let site: FixtureSite;
let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let resourceId: string;
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

beforeAll(async () => {
  const staticDir = await buildRenderer();
  site = await startFixtureSite();
  chrome = await launchChromium();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-referrals-'));
  backend = await createBackend({ dataDir, env: { VIGIL_BROWSER: CHROMIUM } });
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: PASSWORD }, 'setup');
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=referral-ui`, sourceType: 'volunteer' },
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
  const decided = await callAs(backend, 'rita', 'review.decide', {
    resourceId,
    decision: approvalOf(`${site.http}/?case=referral-ui`),
    password: PASSWORD,
  });
  if (!decided.ok) throw new Error(decided.error.message);
  await referralsOn(backend, { VIGIL_BROWSER: CHROMIUM }).referrals.addRecipient(
    {
      name: 'National register',
      kind: 'register',
      channel: 'register',
      address: 'https://register.example/',
      language: 'ar',
      verified: true,
    },
    { actor: 'ivan', role: 'investigator' },
  );
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
}, 240_000);

afterAll(async () => {
  await page?.close();
  await chrome?.close();
  await bridge?.close();
  await backend?.close();
  await site?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const scrollTo = (id: string) =>
  page.evaluate(`document.querySelector(${JSON.stringify(tid(id))}).scrollIntoView()`);

describe('the Referrals panel', () => {
  it('creates a referral, hands the notice over by reference and records the answer', async () => {
    await signIn('ivan');
    await go(page, bridge.url, `/resources/${resourceId}`, 'en');
    await waitForOrError(page, tid('referrals-panel'), STEP);
    await chooseOption(page, 'referral-recipient', 'National register');
    await chooseOption(page, 'referral-regime', 'blocking-register-entry');
    await page.click(tid('referral-create'));
    await waitForOrError(page, `${tid('referral-row')}[data-state="draft"]`, STEP);
    await typeInto(page, tid('referral-delivered-ref'), 'REG-77');
    await page.click(tid('referral-send'));
    await waitForOrError(page, `${tid('referral-row')}[data-state="sent"]`, 60_000);
    await chooseOption(page, 'referral-state', 'acknowledged');
    await page.click(tid('referral-record'));
    await waitForOrError(page, `${tid('referral-row')}[data-state="acknowledged"]`, STEP);
    await page.click(tid('referral-history-toggle'));
    await waitForOrError(page, tid('referral-history'), STEP);
    const [summary] = await referralsOn(backend, {}).referrals.list({ resourceId });
    expect(summary).toMatchObject({ state: 'acknowledged', createdBy: 'ivan' });
    await scrollTo('resource-referrals');
    await screenshot(page, 'referrals-panel-en');
  });

  it('shows the same panel in Arabic', async () => {
    await go(page, bridge.url, `/resources/${resourceId}`, 'ar');
    await waitForOrError(page, `${tid('referral-row')}[data-state="acknowledged"]`, STEP);
    await page.click(tid('referral-history-toggle'));
    await waitForOrError(page, tid('referral-history'), STEP);
    await scrollTo('resource-referrals');
    await screenshot(page, 'referrals-panel-ar');
  });
});
