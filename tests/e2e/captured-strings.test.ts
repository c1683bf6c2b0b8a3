import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBridgeInstaller } from '../harness/fake-bridge';
import { go, inPage, textOf, tid, waitForOrError } from '../harness/page-helpers';
import type { LaunchedBrowser } from '../harness/ui-harness';
import { buildRenderer, launchChromium, serveStatic } from '../harness/ui-harness';

// Captured strings are isolated in the UI (a U+202E cannot reverse what is around it), a homograph
// host shows its punycode beside it, and each redirect hop says how it happened.
const TITLE = 'Cheap pills \u202Egnp.exe';
let chrome: LaunchedBrowser;
let site: Awaited<ReturnType<typeof serveStatic>>;
let page: Page;

beforeAll(async () => {
  site = await serveStatic(await buildRenderer());
  chrome = await launchChromium();
  page = await chrome.browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  await page.evaluateOnNewDocument(
    fakeBridgeInstaller({
      resources: 10,
      role: 'investigator',
      title: TITLE,
      blurAllMedia: true,
      displayUrl: 'https://\u0430pple.com/login',
      redirects: [
        {
          url: 'http://example.test/a',
          status: 301,
          location: 'https://example.test/b',
          kind: 'http',
          via: 'http',
        },
        {
          url: 'https://example.test/b',
          status: 200,
          location: 'https://example.test/c',
          kind: 'client',
          via: 'script',
        },
      ],
    }),
  );
}, 240_000);

afterAll(async () => {
  await chrome?.close();
  await site?.close();
});

describe('captured strings in the resource screen', () => {
  it('isolates a captured title with a bidi override from the label around it', async () => {
    await go(page, site.url, '/resources/res_000000000005', 'en');
    await waitForOrError(page, tid('resource-title'));
    // The fake resource is a `minors` one: its captures show after the content warning.
    await page.click(tid('content-warning-accept'));
    const isolated = await inPage<{ text: string; bidi: string }[]>(
      page,
      `[...document.querySelectorAll('${tid('resource-title')} bdi')].map((e) => ({ text: e.textContent, bidi: getComputedStyle(e).unicodeBidi }))`,
    );
    expect(isolated).toContainEqual({ text: TITLE, bidi: 'isolate' });
    // The label is outside the isolate and reads in its own order.
    expect(await textOf(page, tid('resource-title'))).toMatch(/^Page title: /u);
  });

  it('shows the punycode of a homograph host beside the URL', async () => {
    expect(await textOf(page, tid('resource-display-url'))).toBe('https://\u0430pple.com/login');
    expect(await textOf(page, tid('resource-display-url-punycode'))).toBe('xn--pple-43d.com');
  });

  it('says how each redirect hop happened', async () => {
    await page.click(tid('tab-redirects'));
    await page.waitForSelector(tid('redirect-via'));
    const vias = await inPage<string[]>(
      page,
      `[...document.querySelectorAll('${tid('redirect-via')}')].map((e) => e.textContent)`,
    );
    expect(vias).toEqual(['HTTP', 'script']);
  });
});
