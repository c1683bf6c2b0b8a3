import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RawCapture } from '@core/capture/raw-capture';
import { FEED_ITEM_PX, startCompletenessSite } from '@tests/helpers/completeness-site';
import type { CompletenessSite } from '@tests/helpers/completeness-site';
import { TEST_PROFILE, probePng, startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

let env: CaptureEnv;
let site: CompletenessSite;

beforeAll(async () => {
  env = await startCaptureEnv();
  site = await startCompletenessSite();
}, 60_000);

afterAll(async () => {
  await site.close();
  await env.close();
});

function artifact(c: RawCapture, kind: string): string {
  const a = c.artifacts.find((x) => x.kind === kind);
  if (!a) throw new Error(`no ${kind} artifact in ${c.artifacts.map((x) => x.kind).join(', ')}`);
  return a.file;
}

const text = (c: RawCapture): Promise<string> => readFile(artifact(c, 'text'), 'utf8');
const codes = (c: RawCapture): string[] => c.warnings.map((w) => w.code);

describe('feeds that grow from script', () => {
  test('a feed that appends from a timer with no request per batch is followed to its last batch', async () => {
    const batches = 5;
    const c = await env.capture(`${site.url}/feed-script?batches=${batches}`);
    expect(c.outcome, JSON.stringify(c.warnings)).toBe('complete');
    const t = await text(c);
    expect(t).toContain('Script item 1-1');
    expect(t).toContain(`LAST-BATCH-${batches}`);
    expect(t).toContain('End of feed');
    // The screenshot holds the whole feed: its height, and the red last batch near its bottom.
    const feedPx = batches * 5 * FEED_ITEM_PX;
    const top = await probePng(env.browser, artifact(c, 'screenshot'), [[10, 10]]);
    expect(top.height).toBeGreaterThanOrEqual(feedPx);
    const bottom = await probePng(env.browser, artifact(c, 'screenshot'), [
      [600, feedPx - FEED_ITEM_PX / 2],
      [600, feedPx - 5 * FEED_ITEM_PX - FEED_ITEM_PX / 2],
    ]);
    expect(bottom.pixels[0]).toEqual([255, 0, 0]);
    expect(bottom.pixels[1]).not.toEqual([255, 0, 0]);
  });

  test('a feed too long for the profile is partial with settle.scroll-limit saying how far it got', async () => {
    const c = await env.capture(`${site.url}/feed-script?batches=200&delay=100`, {
      profile: { ...TEST_PROFILE, scroll: { maxHeightPx: 6_000, maxSteps: 200 } },
    });
    expect(c.outcome).toBe('partial');
    const cut = c.warnings.find((w) => w.code === 'settle.scroll-limit');
    expect(cut?.message).toMatch(/reached \d+ px of \d+ px after \d+ steps, \d+ elements added/);
    const t = await text(c);
    expect(t).toContain('Script item 3-1');
    expect(t).not.toContain('LAST-BATCH');
  });
});

describe('navigations the page has scheduled', () => {
  test('a meta refresh of 2 s is followed to where it lands', async () => {
    const c = await env.capture(`${site.url}/meta-refresh?s=2`);
    expect(c.outcome, JSON.stringify(c.warnings)).toBe('complete');
    expect(c.finalUrl).toBe(`${site.url}/landed?from=META`);
    expect(await text(c)).toContain('LANDED-FROM-META');
    expect(c.redirects).toEqual([
      {
        url: `${site.url}/meta-refresh?s=2`,
        status: 200,
        location: `${site.url}/landed?from=META`,
        kind: 'client',
        via: 'meta-refresh',
      },
    ]);
  });

  test('a location set from a 2 s timer is followed to where it lands', async () => {
    const c = await env.capture(`${site.url}/timer-redirect?ms=2000`);
    expect(c.outcome, JSON.stringify(c.warnings)).toBe('complete');
    expect(c.finalUrl).toBe(`${site.url}/landed?from=TIMER`);
    expect(await text(c)).toContain('LANDED-FROM-TIMER');
    expect(c.redirects).toEqual([
      {
        url: `${site.url}/timer-redirect?ms=2000`,
        status: 200,
        location: `${site.url}/landed?from=TIMER`,
        kind: 'client',
        via: 'script',
      },
    ]);
  });

  for (const mode of ['load', 'timer'] as const) {
    test(`a form submitted from script (${mode}) lands, and the hop says form`, async () => {
      const c = await env.capture(`${site.url}/auto-form?mode=${mode}`);
      expect(c.outcome, JSON.stringify(c.warnings)).toBe('complete');
      expect(c.finalUrl).toBe(`${site.url}/form-target`);
      expect(await text(c)).toContain('FORM-LANDED FORM-TOKEN-3');
      expect(c.redirects.map((h) => [h.kind, h.via])).toEqual([['client', 'form']]);
    });
  }

  test('a page that keeps moving on every second is partial with navigate.pending-redirect', async () => {
    const c = await env.capture(`${site.url}/hop?n=0`, {
      profile: { ...TEST_PROFILE, scheduledNavigationMs: 3_000 },
    });
    expect(c.outcome).toBe('partial');
    expect(codes(c)).toContain('navigate.pending-redirect');
    // It was followed while the bound lasted.
    expect(c.redirects.length).toBeGreaterThanOrEqual(2);
    expect(c.redirects.every((h) => h.via === 'script')).toBe(true);
  });
});

describe('pages that need none of this', () => {
  test('an ordinary page stays complete, without any of these warnings', async () => {
    const c = await env.capture(`${site.url}/plain`);
    expect(c.outcome).toBe('complete');
    expect(c.warnings).toEqual([]);
    expect(c.redirects).toEqual([]);
    expect(await text(c)).toContain('PLAIN-PAGE-7');
  });
});
