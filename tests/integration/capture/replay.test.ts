import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Frame } from 'puppeteer-core';
import { startReplayServer } from '@tests/helpers/replay-server';
import type { ReplayServer } from '@tests/helpers/replay-server';
import { startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

let env: CaptureEnv;
let replay: ReplayServer | null = null;
beforeAll(async () => {
  env = await startCaptureEnv();
});
afterAll(async () => {
  await replay?.close();
  await env.close();
});

test('the WACZ of a capture replays in ReplayWeb.page with the page text', async () => {
  const url = `${env.site.http}/`;
  const capture = await env.capture(url);
  expect(capture.outcome).toBe('complete');
  const wacz = capture.artifacts.find((a) => a.kind === 'wacz');
  expect(wacz).toBeDefined();
  if (!wacz) return;
  replay = await startReplayServer({ waczFile: wacz.file, url });
  const origin = replay.origin;

  const context = await env.browser.createBrowserContext();
  try {
    const page = await context.newPage();
    // Replay must not reach the live site (or anything else): only the replay server is allowed.
    const leaked: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      const target = req.url();
      if (target.startsWith(origin) || target.startsWith('data:') || target.startsWith('blob:')) {
        void req.continue();
      } else {
        leaked.push(target);
        void req.abort();
      }
    });
    await page.goto(replay.pageUrl, { waitUntil: 'load', timeout: 30_000 });

    // The replayed page's frame: /replay/w/<coll>/<hash>/<timestamp>mp_/<original url>
    const replayed = (frame: Frame): boolean => frame.url().includes(`mp_/${url}`);
    const deadline = Date.now() + 60_000;
    // ReplayWeb.page installs a service worker on first load; if that first load raced the worker and
    // no replay frame appeared, one reload (as a person would) lets the installed worker serve it.
    const reloadAt = Date.now() + 20_000;
    let reloaded = false;
    let text = '';
    while (Date.now() < deadline && !text.includes('HOME-7731')) {
      if (!reloaded && Date.now() > reloadAt && !page.frames().some(replayed)) {
        reloaded = true;
        await page.reload({ waitUntil: 'load', timeout: 30_000 });
      }
      const frame = page.frames().find(replayed);
      if (frame) {
        text = await frame.evaluate('document.body ? document.body.innerText : ""').then(String, () => '');
        if (text.includes('HOME-7731')) break;
      }
      await page.waitForFrame(replayed, { timeout: 2_000 }).catch(() => undefined);
      await frame
        ?.waitForFunction('document.body && document.body.innerText.includes("HOME-7731")', {
          timeout: 2_000,
        })
        .catch(() => undefined);
    }
    expect(text).toContain('Evidence marker HOME-7731');
    expect(leaked.filter((u) => u.startsWith(env.site.http))).toEqual([]);
  } finally {
    await context.close();
  }
});
