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
 * answers up to removed (in English, then after a re-appearance again in Arabic); a notice asked
 * for outside the sending hours shows when it is scheduled; a complaint is recorded and a reviewer
 * lifts the measure with the signing dialog.
 */
const PASSWORD = 'correct horse battery';
const STEP = 30_000;

let site: FixtureSite;
let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let resourceId: string;
/** A second approved resource, walked in Arabic. */
let resourceAr: string;
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
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'setup',
  );
  const approved = async (url: string): Promise<string> => {
    const { resource } = await createIntakeService(backend.workspace).addReport(
      { url, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    const capture = await backend.captures.captureResource(resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      tsaUrl: null,
      timeoutSeconds: 60,
    });
    expect(capture.outcome).toBe('complete');
    const decided = await callAs(backend, 'rita', 'review.decide', {
      resourceId: resource.id,
      decision: approvalOf(url),
      password: PASSWORD,
    });
    if (!decided.ok) throw new Error(decided.error.message);
    return resource.id;
  };
  resourceId = await approved(`${site.http}/?case=referral-ui`);
  resourceAr = await approved(`${site.http}/?case=referral-ui-ar`);
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
  await referralsOn(backend, { VIGIL_BROWSER: CHROMIUM }).referrals.addRecipient(
    {
      name: 'Host mail',
      kind: 'hosting',
      channel: 'email',
      address: 'abuse@host.example',
      language: 'en',
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

const row = (state: string): string => `${tid('referral-row')}[data-state="${state}"]`;

async function recordState(state: string): Promise<void> {
  await chooseOption(page, 'referral-state', state);
  await page.click(tid('referral-record'));
  await waitForOrError(page, row(state), STEP);
}

/** Sending hours that exclude the present hour, so a send asked for now is queued. */
function hoursExcludingNow(): string {
  const h = new Date().getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return h + 3 <= 23 ? `${pad(h + 2)}:00-${pad(h + 3)}:00` : '01:00-02:00';
}

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
    await recordState('acknowledged');
    await recordState('removed');
    await page.click(tid('referral-history-toggle'));
    await waitForOrError(page, tid('referral-history'), STEP);
    const [summary] = await referralsOn(backend, {}).referrals.list({ resourceId });
    expect(summary).toMatchObject({ state: 'removed', createdBy: 'ivan' });
    await scrollTo('resource-referrals');
    await screenshot(page, 'referrals-panel-en');
  });

  it('walks the same states in Arabic', async () => {
    await go(page, bridge.url, `/resources/${resourceAr}`, 'ar');
    await waitForOrError(page, tid('referrals-panel'), STEP);
    await chooseOption(page, 'referral-recipient', 'National register');
    await chooseOption(page, 'referral-regime', 'blocking-register-entry');
    await page.click(tid('referral-create'));
    await waitForOrError(page, row('draft'), STEP);
    await typeInto(page, tid('referral-delivered-ref'), 'REG-78');
    await page.click(tid('referral-send'));
    await waitForOrError(page, row('sent'), 60_000);
    await recordState('acknowledged');
    await recordState('removed');
    await page.click(tid('referral-history-toggle'));
    await waitForOrError(page, tid('referral-history'), STEP);
    const [summary] = await referralsOn(backend, {}).referrals.list({ resourceId: resourceAr });
    const h = await referralsOn(backend, {}).referrals.history(summary?.id ?? '');
    expect(h.events.map((e) => e.toState)).toEqual(['draft', 'sent', 'acknowledged', 'removed']);
    await scrollTo('resource-referrals');
    await screenshot(page, 'referrals-panel-ar');
  });

  it('shows a notice asked for outside the sending hours as scheduled', async () => {
    await referralsOn(backend, {}).keyed.set('sending.hours', hoursExcludingNow(), 'os:admin');
    await go(page, bridge.url, `/resources/${resourceId}`, 'en');
    await waitForOrError(page, row('removed'), STEP);
    await chooseOption(page, 'referral-recipient', 'Host mail');
    await chooseOption(page, 'referral-regime', 'dsa-art16-notice');
    await page.click(tid('referral-create'));
    await waitForOrError(page, row('draft'), STEP);
    await page.click(tid('referral-send'));
    await waitForOrError(page, tid('referral-scheduled'), STEP);
    const draft = (await referralsOn(backend, {}).referrals.list({ resourceId })).find(
      (r) => r.recipientName === 'Host mail',
    );
    const h = await referralsOn(backend, {}).referrals.history(draft?.id ?? '');
    expect(h.referral.state).toBe('draft');
    expect(h.scheduled.map((s) => s.outcome)).toEqual([null]);
    await scrollTo('resource-referrals');
    await screenshot(page, 'referrals-scheduled-en');
  });

  it('records a complaint, and a reviewer lifts the measure with the signing dialog', async () => {
    await waitForOrError(page, tid('appeals-panel'), STEP);
    await typeInto(page, tid('appeal-text'), 'This is my own shop page; the product is legal.');
    await typeInto(page, tid('appeal-by'), 'Shop owner');
    await page.click(tid('appeal-add'));
    await waitForOrError(page, `${tid('appeal-row')}[data-state="open"]`, STEP);
    // An investigator cannot decide: no outcome buttons.
    expect(await page.$(tid('appeal-lift'))).toBeNull();
    await signIn('rita');
    await go(page, bridge.url, `/resources/${resourceId}`, 'en');
    await waitForOrError(page, tid('appeal-lift'), STEP);
    await typeInto(page, tid('appeal-explanation'), 'The seller showed a licence for the product.');
    await page.click(tid('appeal-lift'));
    await waitForOrError(page, tid('sign-password'), STEP);
    await typeInto(page, tid('sign-password'), PASSWORD);
    await page.click(tid('sign-submit'));
    await waitForOrError(page, `${tid('appeal-row')}[data-state="lifted"]`, 60_000);
    await waitForOrError(page, tid('appeal-decision'), STEP);
    const state = await backend.workspace.db.read((c) =>
      c.get<{ state: string }>('SELECT state FROM resources WHERE id = ?', [resourceId]),
    );
    expect(state?.state).toBe('lifted');
    await scrollTo('resource-appeals');
    await screenshot(page, 'appeals-lifted-en');
    await go(page, bridge.url, `/resources/${resourceId}`, 'ar');
    await waitForOrError(page, `${tid('appeal-row')}[data-state="lifted"]`, STEP);
    await scrollTo('resource-appeals');
    await screenshot(page, 'appeals-lifted-ar');
  });
});
