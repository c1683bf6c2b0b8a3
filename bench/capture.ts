// Capture cost against a bare browser, and queue throughput. Prints, never asserts:
//  1. median runCapture time / median (bare puppeteer goto + full-page PNG) for the same local pages
//     (an ordinary page and a 30,000 px page), measured in the same run with the same browser;
//  2. a queue of N local pages (BENCH_CAPTURE_PAGES, default 100) at concurrency 1, 2 and 4:
//     pages/min and the peak RSS of Node and of Chromium's whole process tree.
//  3. pages not finished at their load event: a 2 s scripted redirect and a feed that grows from
//     script in 5 batches: median time, and whether each capture holds all of it (landed / last
//     batch in the text). BENCH_CAPTURE_ONLY=completeness runs only these rows.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { createBrowserProvider, findBrowser } from '../electron/core/capture/browser-provider';
import { DESKTOP_PROFILE } from '../electron/core/capture/capture-profile';
import type { CaptureProfile } from '../electron/core/capture/capture-profile';
import { runCapture } from '../electron/core/capture/run-capture';
import { startCompletenessSite } from '../tests/helpers/completeness-site';
import { startFixtureSite } from '../tests/helpers/fixture-site';

const ROUNDS = Number(process.env['BENCH_CAPTURE_ROUNDS'] ?? 9);
const QUEUE = Number(process.env['BENCH_CAPTURE_PAGES'] ?? 100);
const PROFILE: CaptureProfile = { ...DESKTOP_PROFILE, allowPrivateNetwork: true };
const ONLY = process.env['BENCH_CAPTURE_ONLY'] ?? '';

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** RSS of a process and all its descendants, from /proc (Linux only; 0 elsewhere). */
function treeRssBytes(rootPid: number | undefined): number {
  if (rootPid === undefined) return 0;
  try {
    const parents = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        parents.set(Number(entry), ppid);
      } catch {
        // The process ended while we looked.
      }
    }
    const inTree = (pid: number): boolean => {
      for (let p: number | undefined = pid, depth = 0; p !== undefined && p > 1 && depth < 64; depth += 1) {
        if (p === rootPid) return true;
        p = parents.get(p);
      }
      return false;
    };
    let total = 0;
    for (const pid of parents.keys()) {
      if (!inTree(pid)) continue;
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        total += Number(m?.[1] ?? 0) * 1024;
      } catch {
        // Gone.
      }
    }
    return total;
  } catch {
    return 0;
  }
}

async function bare(browser: Browser, url: string): Promise<number> {
  const started = performance.now();
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.setViewport({ width: 1366, height: 768 });
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ fullPage: true, type: 'png' });
  } finally {
    await context.close();
  }
  return performance.now() - started;
}

/** Rows 3: time to capture pages that move on or grow after load, and whether the capture holds it all. */
async function completenessRows(
  provider: ReturnType<typeof createBrowserProvider>,
  root: string,
): Promise<void> {
  const site = await startCompletenessSite();
  try {
    const rows = [
      ['2 s scripted redirect', '/timer-redirect?ms=2000', 'LANDED-FROM-TIMER'],
      ['script-grown feed of 5 batches', '/feed-script?batches=5', 'LAST-BATCH-5'],
    ] as const;
    for (const [label, path, marker] of rows) {
      const times: number[] = [];
      let whole = 0;
      const rounds = Math.max(1, Math.min(ROUNDS, 5));
      for (let i = 0; i < rounds; i += 1) {
        const workDir = await mkdtemp(join(root, `late-${i}-`));
        const started = performance.now();
        const result = await runCapture({
          browser: await provider.browser(),
          url: `${site.url}${path}`,
          profile: PROFILE,
          workDir,
          clock: () => new Date(),
        });
        times.push(performance.now() - started);
        const text = result.artifacts.find((a) => a.kind === 'text');
        const held = text ? readFileSync(text.file, 'utf8').includes(marker) : false;
        if (held && result.outcome === 'complete') whole += 1;
        await rm(workDir, { recursive: true, force: true });
      }
      console.log(
        `${label}: runCapture ${median(times).toFixed(0)} ms (median of ${rounds}), ` +
          `holds all of it in ${whole} of ${rounds} captures`,
      );
    }
  } finally {
    await site.close();
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'vigil-bench-capture-'));
  const site = await startFixtureSite();
  const provider = createBrowserProvider({
    executablePath: findBrowser({ env: process.env, platform: process.platform }),
    tmpRoot: root,
  });
  let n = 0;
  const capture = async (url: string): Promise<number> => {
    n += 1;
    const workDir = await mkdtemp(join(root, `c${n}-`));
    const started = performance.now();
    const result = await runCapture({
      browser: await provider.browser(),
      url,
      profile: PROFILE,
      workDir,
      clock: () => new Date(),
    });
    const took = performance.now() - started;
    await rm(workDir, { recursive: true, force: true });
    if (result.outcome === 'failed')
      throw new Error(`${url}: ${result.error?.code ?? ''} ${result.error?.message ?? ''}`);
    return took;
  };
  try {
    if (ONLY === 'completeness') {
      await completenessRows(provider, root);
      return;
    }
    const browser = await provider.browser();
    for (const [label, url] of [
      ['ordinary page', `${site.http}/`],
      ['30,000 px page', `${site.http}/tall?h=30000`],
    ] as const) {
      await bare(browser, url);
      await capture(url);
      const b: number[] = [];
      const c: number[] = [];
      for (let i = 0; i < ROUNDS; i += 1) {
        b.push(await bare(browser, url));
        c.push(await capture(url));
      }
      console.log(
        `${label}: runCapture ${median(c).toFixed(0)} ms vs bare goto+screenshot ${median(b).toFixed(0)} ms ` +
          `→ ratio ${(median(c) / median(b)).toFixed(2)} (median of ${ROUNDS})`,
      );
    }

    await completenessRows(provider, root);

    const pages = ['/', '/cyrillic', '/arabic', '/gzip', '/status/404', '/iframe', '/lazy', '/redirect/a'];
    for (const concurrency of [1, 2, 4]) {
      let next = 0;
      let peakNode = 0;
      let peakChromium = 0;
      const pid = (await provider.browser()).process()?.pid;
      const sample = (): void => {
        peakNode = Math.max(peakNode, process.memoryUsage().rss);
        peakChromium = Math.max(peakChromium, treeRssBytes(pid));
      };
      const sampler = setInterval(sample, 250);
      const started = performance.now();
      try {
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < QUEUE) {
              const i = next;
              next += 1;
              await capture(`${site.http}${pages[i % pages.length] ?? '/'}`);
            }
          }),
        );
      } finally {
        clearInterval(sampler);
      }
      sample();
      const minutes = (performance.now() - started) / 60_000;
      console.log(
        `queue of ${QUEUE} at concurrency ${concurrency}: ${(QUEUE / minutes).toFixed(1)} pages/min, ` +
          `peak RSS node ${(peakNode / 2 ** 20).toFixed(0)} MiB, chromium ${(peakChromium / 2 ** 20).toFixed(0)} MiB`,
      );
    }
  } finally {
    await provider.close();
    await site.close();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
