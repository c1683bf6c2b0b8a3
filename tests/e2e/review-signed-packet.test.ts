import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { createIntakeService } from '@core/intake/intake-service';
import type { DecisionInput } from '@shared/domain/decision';
import { startFixtureSite, type FixtureSite } from '../helpers/fixture-site';
import { run } from '../helpers/openssl';
import { go, tid, typeInto, waitForOrError } from '../harness/page-helpers';
import { buildRenderer, launchChromium, type LaunchedBrowser } from '../harness/ui-harness';
import { approvalOf } from '../helpers/decision-input';

/**
 * The review screen on the real backend: the reviewer who signed the decision renders a PAdES-signed
 * packet with their password, and the packet displays in Chromium's PDF viewer inside the app.
 */
const PASSWORD = 'correct horse battery';
const STEP = 20_000;
const PDF_VIEWER = 'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/';

let site: FixtureSite;
let chrome: LaunchedBrowser;
let dataDir: string;
let backend: Backend;
let bridge: HttpBridge;
let resourceId: string;

async function signIn(page: Page, name: string): Promise<void> {
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
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-packet-'));
  backend = await createBackend({ dataDir, env: { VIGIL_BROWSER: '/usr/bin/chromium' } });
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  await backend.users.create(
    { name: 'rita', displayName: 'Rita Reviewer', role: 'reviewer', password: PASSWORD },
    'admin',
  );
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=ui-packet`, sourceType: 'volunteer' },
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
  const decision: DecisionInput = approvalOf(`${site.http}/?case=ui-packet`);
  const rita = await backend.users.byName('rita');
  const decided = await backend.dispatch({ user: rita }, 'review.decide', {
    resourceId,
    decision,
    password: PASSWORD,
  });
  if (!decided.ok) throw new Error(decided.error.message);
});

afterAll(async () => {
  await chrome?.close();
  await bridge?.close();
  await backend?.close();
  await site?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('signed packets from the review screen', () => {
  it('offers signing only to the reviewer who signed the decision', async () => {
    const page = await chrome.browser.newPage();
    try {
      await signIn(page, 'ivan');
      await go(page, bridge.url, `/review/${resourceId}`, 'en');
      await waitForOrError(page, tid('render-packet'), STEP);
      expect(await page.$(tid('packet-sign-form'))).toBeNull();
    } finally {
      await page.close();
    }
  });

  it('renders a PAdES-signed packet with the password, and previews its pages as images', async () => {
    const page = await chrome.browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    try {
      await signIn(page, 'rita');
      await go(page, bridge.url, `/review/${resourceId}`, 'en');
      await waitForOrError(page, tid('packet-sign-form'), STEP);
      await typeInto(page, tid('packet-password'), PASSWORD);
      await page.click(tid('render-signed-packet'));
      await waitForOrError(page, `${tid('packet-signed')}[data-signed="true"]`, 90_000);
      await waitForOrError(page, tid('packet-page'), 90_000);
      // The password does not stay in the form once it has been used.
      expect(await page.$eval(tid('packet-password'), (e) => (e as unknown as { value: string }).value)).toBe(
        '',
      );
      const row = await backend.workspace.db.read((c) =>
        c.get<{ sha256: string; signed_by: string | null }>(
          'SELECT sha256, signed_by FROM packets WHERE resource_id = ? ORDER BY rendered_at DESC LIMIT 1',
          [resourceId],
        ),
      );
      expect(row?.signed_by).toBe('rita');
      // The preview shows page images, never the PDF in a viewer (which would show screenshots unblurred).
      expect(page.frames().some((f) => f.url().startsWith(PDF_VIEWER))).toBe(false);
      const sources = await page.$$eval(`${tid('packet-page')} img`, (imgs) =>
        imgs.map((i) => (i as unknown as { src: string }).src),
      );
      expect(sources.length).toBeGreaterThan(1);
      expect(sources.some((src) => src.includes(row?.sha256 ?? '-'))).toBe(false);
      const sig = await run('pdfsig', [backend.workspace.blobs.pathOf(row?.sha256 ?? '')]);
      expect(sig.stdout).toContain('Signature Validation: Signature is Valid.');
    } finally {
      await page.close();
    }
  });
});
