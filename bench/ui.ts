// The resources list with 50,000 rows: time to first painted rows and to scroll to the last one.
// The page runs the built renderer against a synthetic preload bridge (tests/harness/fake-bridge.ts),
// so this measures the UI alone. Baseline: the same list with 100 rows, measured in the same run.
// Then the Statistics screen: first paint of the figures, charts and tables of a report shaped like the
// one bench/stats aggregates from 100,000 resources (only the aggregated report crosses the bridge, so
// the screen's work depends on the report's lists, not on the number of resources).
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

/** A report with the lists of a year over 100,000 resources: 52 weeks, 20 recipients, 5 kinds, … */
function yearReport(): unknown {
  const tally = (keys: readonly string[]) =>
    keys.map((key, i) => ({ key, referred: 4000 - i * 10, removed: 2800 - i * 7, refused: 600 - i }));
  const summary = { count: 81_109, medianSeconds: 43_200, p90Seconds: 172_800 };
  return {
    from: '2026-01-01',
    to: '2026-12-31',
    counts: {
      reported: 100_000,
      captured: 90_150,
      reviewed: 81_109,
      approved: 81_109,
      referred: 81_109,
      removed: 56_861,
    },
    removalRate: 0.701,
    reappearanceRate: 0.01,
    durations: {
      reportToCapture: summary,
      captureToDecision: summary,
      decisionToNotice: summary,
      noticeToRemoval: summary,
    },
    byCategory: tally(['drugs', 'fraud', 'weapons', 'extremism', 'gambling']).map((t) => ({
      key: t.key,
      reported: t.referred * 5,
      removed: t.removed,
    })),
    byRecipient: tally(Array.from({ length: 20 }, (_, i) => `Recipient ${i}`)),
    byRecipientKind: tally(['platform', 'hosting', 'registrar', 'isp', 'authority']),
    byRegime: tally([
      'dsa-art16-notice',
      'dsa-art9-order',
      'blocking-register-entry',
      'voluntary-tos-referral',
    ]),
    refusalReasons: ['not_illegal', 'not_our_content', 'needs_court_order', 'insufficient_information'].map(
      (key, i) => ({ key, count: 3000 - i * 100 }),
    ),
    perWeek: Array.from({ length: 52 }, (_, i) => ({
      week: new Date(Date.parse('2025-12-29T00:00:00.000Z') + i * 7 * 86_400_000).toISOString().slice(0, 10),
      reported: 1900 + i,
      referred: 1500 + i,
      removed: 1000 + i,
    })),
    removalDistribution: ['under_1h', 'under_24h', 'under_3d', 'under_7d', 'over_7d'].map((bucket, i) => ({
      bucket,
      count: 5000 + i * 3000,
    })),
  };
}

/** The fake bridge answers `stats.report` with the year's report (installed after the bridge itself). */
const statsAnswer = (report: unknown): string => `(() => {
  const inner = window.vigil.invoke;
  const report = ${JSON.stringify(report)};
  window.vigil.invoke = (method, input) =>
    method === 'stats.report' ? Promise.resolve({ ok: true, value: report }) : inner(method, input);
})();`;

/** Statistics screen: cold load to painted figures, and from the navigation click. */
async function measureStats(page: Page, base: string): Promise<Readonly<{ cold: number; warm: number }>> {
  const figures = '[data-testid="stats-week-bars"]';
  await page.evaluateOnNewDocument(
    fakeBridgeInstaller({ resources: 100, role: 'investigator', title: 'Title', blurAllMedia: false }),
  );
  await page.evaluateOnNewDocument(statsAnswer(yearReport()));
  await page.goto(`${base}/?lang=en#/stats`, { waitUntil: 'domcontentloaded' });
  const cold = await paintedAfter(page, figures);
  await page.click('[data-testid="nav-resources"]');
  await page.waitForSelector('[data-testid="resource-row"][data-id]');
  const start = (await page.evaluate(
    `(() => { const t = performance.now(); document.querySelector('[data-testid="nav-stats"]').click(); return t; })()`,
  )) as number;
  const warm = (await paintedAfter(page, figures)) - start;
  return { cold, warm };
}

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
    const statsPage = await chrome.browser.newPage();
    await statsPage.setViewport({ width: 1400, height: 900 });
    try {
      const stats = await measureStats(statsPage, site.url);
      console.log(
        `statistics screen (year report of 100,000 resources): first paint cold ${ms(stats.cold)}, from nav ${ms(stats.warm)} — target 300 ms ${stats.cold < 300 && stats.warm < 300 ? 'met' : 'NOT met'}`,
      );
    } finally {
      await statsPage.close();
    }
  } finally {
    await chrome.close();
    await site.close();
  }
}

await main();
