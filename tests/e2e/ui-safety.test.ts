import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBridgeInstaller } from '../harness/fake-bridge';
import {
  attrOf,
  boxOf,
  countOf,
  go,
  inPage,
  screenshot,
  styleOf,
  textOf,
  tid,
  waitForOrError,
} from '../harness/page-helpers';
import type { LaunchedBrowser } from '../harness/ui-harness';
import { buildRenderer, launchChromium, serveStatic } from '../harness/ui-harness';

// The renderer against a synthetic preload bridge: rules that must hold whatever the backend sends.
const TITLE = 'Shop <b>markup</b> & "quotes"';
let chrome: LaunchedBrowser;
let site: Awaited<ReturnType<typeof serveStatic>>;
let page: Page;

beforeAll(async () => {
  site = await serveStatic(await buildRenderer());
  chrome = await launchChromium();
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  await page.evaluateOnNewDocument(
    fakeBridgeInstaller({ resources: 1000, role: 'investigator', title: TITLE, blurAllMedia: false }),
  );
});

afterAll(async () => {
  await chrome?.close();
  await site?.close();
});

describe('renderer safety and layout', () => {
  it('shows captured titles as literal text in the list and on the resource page', async () => {
    await go(page, site.url, '/resources', 'en');
    await waitForOrError(page, `${tid('resource-row')}[data-id]`);
    const rowTitle = {
      text: await textOf(page, tid('resource-row-title')),
      bold: (await countOf(page, `${tid('resource-row-title')} b`)) > 0,
    };
    expect(rowTitle.text).toContain('<b>markup</b>');
    expect(rowTitle.bold).toBe(false);
    expect(await textOf(page, tid('resources-total'))).toContain('1,000');
    await screenshot(page, 'fake-resources-en');

    await go(page, site.url, '/resources/res_000000000005', 'en');
    await waitForOrError(page, tid('resource-title'));
    // The fake resource is a `minors` one: its captures show after the content warning.
    await page.click(tid('content-warning-accept'));
    const title = {
      text: await textOf(page, tid('resource-title')),
      bold: (await countOf(page, `${tid('resource-title')} b`)) > 0,
    };
    expect(title.text).toContain(TITLE);
    expect(title.bold).toBe(false);
    const headers = await inPage<number>(
      page,
      `[...document.scripts].filter((x) => x.textContent.includes('alert(1)')).length`,
    );
    expect(headers).toBe(0);
  });

  it('blurs sensitive images until revealed, and records the reveal first', async () => {
    await waitForOrError(page, tid('captured-image'));
    expect(await attrOf(page, tid('captured-image'), 'data-blurred')).toBe('true');
    const filter = await styleOf(page, tid('captured-image'), 'filter');
    expect(filter).toContain('blur');
    await screenshot(page, 'fake-resource-blurred-en');
    await page.click(tid('reveal-media'));
    await page.waitForSelector(`${tid('captured-image')}[data-blurred="false"]`);
    const calls = await inPage<{ method: string; input: unknown }[]>(page, 'window.__vigilCalls');
    expect(calls.some((c) => c.method === 'media.reveal')).toBe(true);
  });

  it('highlights search matches as text nodes, not markup', async () => {
    await go(page, site.url, '/search?q=hit', 'en');
    await waitForOrError(page, tid('search-mark'));
    const marks = await inPage<string[]>(
      page,
      `[...document.querySelectorAll('${tid('search-mark')}')].map((e) => e.textContent)`,
    );
    expect(marks).toEqual(['<i>hit</i>']);
    expect(await countOf(page, `${tid('search-snippet')} i`)).toBe(0);
  });

  it('lays out Arabic right-to-left with the navigation on the right', async () => {
    await go(page, site.url, '/resources', 'ar');
    await waitForOrError(page, `${tid('resource-row')}[data-id]`);
    expect(await page.evaluate('document.dir')).toBe('rtl');
    const nav = await boxOf(page, tid('main-nav'));
    expect(nav.centre).toBeGreaterThan(nav.width / 2);
    // URLs stay left-to-right inside the Arabic layout.
    const urlDir = await styleOf(page, `${tid('resource-row')} bdi[dir="ltr"]`, 'direction');
    expect(urlDir).toBe('ltr');
    await screenshot(page, 'fake-resources-ar');
    await go(page, site.url, '/resources/res_000000000005', 'ar');
    await waitForOrError(page, tid('resource-title'));
    await screenshot(page, 'fake-resource-ar');
  });

  it('shows an unimplemented method as a translated error with its code', async () => {
    await go(page, site.url, '/dashboard', 'ru');
    await page.waitForSelector(tid('error-view'));
    const code = await attrOf(page, tid('error-view'), 'data-error-code');
    expect(code).toBe('rpc.unknown-method');
    expect(await textOf(page, tid('error-view'))).toContain('Рабочая станция');
    await screenshot(page, 'fake-dashboard-error-ru');
  });
});
