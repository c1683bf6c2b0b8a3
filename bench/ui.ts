// The resources list with 50,000 rows: time to first painted rows and to scroll to the last one.
// The page runs the built renderer against a synthetic preload bridge (tests/harness/fake-bridge.ts),
// so this measures the UI alone. Baseline: the same list with 100 rows, measured in the same run.
import type { Page } from 'puppeteer-core';
import { fakeBridgeInstaller } from '../tests/harness/fake-bridge';
import { buildRenderer, launchChromium, serveStatic } from '../tests/harness/ui-harness';

type Figures = Readonly<{ cold: number; warm: number; scrollEnd: number }>;

/**
 * Resolves with performance.now() once `selector` exists and a frame has been painted after it.
 * Page code is passed as source text: tsx wraps named functions in helpers the page doesn't have.
 */
const paintedAfter = (page: Page, selector: string): Promise<number> =>
  page.evaluate(`new Promise((resolve) => {
    const sel = ${JSON.stringify(selector)};
    const done = () => requestAnimationFrame(() => resolve(performance.now()));
    if (document.querySelector(sel)) return done();
    const observer = new MutationObserver(() => {
      if (document.querySelector(sel)) { observer.disconnect(); done(); }
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  })`) as Promise<number>;

async function measure(page: Page, base: string, rows: number): Promise<Figures> {
  const firstRow = '[data-testid="resource-row"][data-id]';
  await page.evaluateOnNewDocument(
    fakeBridgeInstaller({ resources: rows, role: 'investigator', title: 'Title', blurAllMedia: false }),
  );
  // Cold: from navigation start (performance.now() = 0) to painted rows, including app start-up.
  await page.goto(`${base}/?lang=en#/resources`, { waitUntil: 'domcontentloaded' });
  const cold = await paintedAfter(page, firstRow);

  // Warm: the app is running; from the click on the navigation to painted rows.
  await page.click('[data-testid="nav-dashboard"]');
  await page.waitForSelector('[data-testid="screen-dashboard"]');
  const start = (await page.evaluate(
    `(() => { const t = performance.now(); document.querySelector('[data-testid="nav-resources"]').click(); return t; })()`,
  )) as number;
  const warm = (await paintedAfter(page, firstRow)) - start;

  // Scroll: jump to the bottom and wait for the last row's data (its page is fetched on demand).
  const scrollStart = (await page.evaluate(
    `(() => { const s = document.querySelector('[data-testid="resources-scroller"]'); const t = performance.now(); s.scrollTop = s.scrollHeight; return t; })()`,
  )) as number;
  const scrollEnd =
    (await paintedAfter(page, `[data-testid="resource-row"][data-index="${rows - 1}"][data-id]`)) -
    scrollStart;
  return { cold, warm, scrollEnd };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

async function main(): Promise<void> {
  const site = await serveStatic(await buildRenderer());
  const chrome = await launchChromium();
  try {
    const run = async (rows: number) => {
      const page = await chrome.browser.newPage();
      await page.setViewport({ width: 1400, height: 900 });
      try {
        return await measure(page, site.url, rows);
      } finally {
        await page.close();
      }
    };
    await run(100); // warm up the browser's caches and JIT once
    const baseline = await run(100);
    const big = await run(50_000);
    console.log('resources list           100 rows     50,000 rows   ratio');
    for (const key of ['cold', 'warm', 'scrollEnd'] as const) {
      const label = {
        cold: 'first paint (cold load)',
        warm: 'first paint (from nav) ',
        scrollEnd: 'scroll to last row     ',
      }[key];
      console.log(
        `${label}  ${ms(baseline[key]).padStart(10)}  ${ms(big[key]).padStart(12)}   ×${(big[key] / baseline[key]).toFixed(2)}`,
      );
    }
    console.log(
      `target: first paint under 300 ms — ${big.warm < 300 && big.cold < 300 ? 'met' : 'NOT met'} (cold ${ms(big.cold)}, from nav ${ms(big.warm)})`,
    );
  } finally {
    await chrome.close();
    await site.close();
  }
}

await main();
