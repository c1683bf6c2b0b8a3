import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { TargetType } from 'puppeteer-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { guardPage } from '@core/capture/hostile';
import type { RawCapture } from '@core/capture/raw-capture';
import { DOWNLOAD_BODY } from '@tests/helpers/fixture-site';
import { TEST_PROFILE, expectFilesNonEmpty, readWarcFromWacz, startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

let env: CaptureEnv;
beforeAll(async () => {
  env = await startCaptureEnv();
});
afterAll(async () => {
  await env.close();
});

const textOf = async (c: RawCapture): Promise<string> => {
  const a = c.artifacts.find((x) => x.kind === 'text');
  if (!a) throw new Error('no text artifact');
  return readFile(a.file, 'utf8');
};

test('alert, confirm and prompt are dismissed and recorded', async () => {
  const c = await env.capture(`${env.site.http}/dialogs`);
  expect(c.outcome).toBe('complete');
  expect(c.dialogs.map((d) => [d.type, d.message, d.action])).toEqual([
    ['alert', 'alert from the page', 'dismissed'],
    ['confirm', 'confirm from the page', 'dismissed'],
    ['prompt', 'prompt from the page', 'dismissed'],
  ]);
  expect(c.dialogs[2]?.defaultValue).toBe('default answer');
  expect(c.warnings.filter((w) => w.code === 'hostile.dialog')).toHaveLength(3);
  // Dismissed: confirm answered false, prompt cancelled, and the page went on to render.
  expect(await textOf(c)).toContain('after dialogs: confirm=false prompt=null');
  await expectFilesNonEmpty(c);
});

test('beforeunload is let through and recorded, so leaving the page does not hang', async () => {
  const context = await env.browser.createBrowserContext();
  const quarantineDir = await mkdtemp(path.join(env.root, 'quarantine-'));
  try {
    const page = await context.newPage();
    const session = await page.createCDPSession();
    const guard = await guardPage({
      browser: env.browser,
      context,
      page,
      session,
      clock: () => new Date(),
      quarantineDir,
    });
    await page.goto(`${env.site.http}/dialogs`);
    // Chromium only asks before unload after a user gesture on the page.
    await page.click('body');
    await page.goto(`${env.site.http}/`, { timeout: 10_000 });
    expect(page.url()).toBe(`${env.site.http}/`);
    expect(guard.dialogs.map((d) => [d.type, d.action])).toContainEqual(['beforeunload', 'left-page']);
    await guard.stop();
  } finally {
    await context.close();
  }
});

test('popup spam is blocked and every attempt recorded; no window is left open', async () => {
  const before = (await env.browser.pages()).length;
  const c = await env.capture(`${env.site.http}/popups`);
  expect(c.outcome).toBe('complete');
  expect(c.popups).toHaveLength(20);
  expect(c.popups.map((p) => p.url)).toContain(`${env.site.http}/popup-target?n=19`);
  expect(c.popups.every((p) => p.action === 'blocked' && !p.userGesture)).toBe(true);
  expect(c.warnings.map((w) => w.code)).toContain('hostile.popups');
  expect((await env.browser.pages()).length).toBe(before);
  const records = await readWarcFromWacz(c.artifacts.find((a) => a.kind === 'wacz')?.file ?? '');
  expect(records.some((r) => r.url.includes('/popup-target'))).toBe(false);
});

test('a download is not kept but recorded as a warning with its size and SHA-256', async () => {
  const c = await env.capture(`${env.site.http}/download`);
  const expected = createHash('sha256').update(DOWNLOAD_BODY).digest('hex');
  expect(c.outcome).toBe('complete');
  expect(c.downloads).toHaveLength(1);
  expect(c.downloads[0]).toMatchObject({
    url: `${env.site.http}/files/report.bin`,
    suggestedFilename: 'report.bin',
    bytes: DOWNLOAD_BODY.length,
    sha256: expected,
  });
  const warning = c.warnings.find((w) => w.code === 'hostile.download');
  expect(warning?.message).toContain(expected);
  // Nothing of the download is left among the capture's files.
  const dir = path.dirname(c.artifacts[0]?.file ?? '');
  expect((await readdir(dir)).some((f) => f.includes('report'))).toBe(false);
});

test('a page that never finishes is captured as partial within the deadline', async () => {
  const navigateMs = 3_000;
  const started = Date.now();
  const c = await env.capture(`${env.site.http}/never-ending`, {
    profile: { ...TEST_PROFILE, timeouts: { ...TEST_PROFILE.timeouts, navigateMs, totalMs: 30_000 } },
  });
  const took = Date.now() - started;
  expect(c.outcome).toBe('partial');
  expect(c.http.status).toBe(200);
  expect(c.warnings.map((w) => w.code)).toEqual(
    expect.arrayContaining(['navigate.timeout', 'archive.truncated']),
  );
  expect(took).toBeLessThan(30_000);
  expect(await textOf(c)).toContain('NEVER-END-5');
  const records = await readWarcFromWacz(c.artifacts.find((a) => a.kind === 'wacz')?.file ?? '');
  const doc = records.find((r) => r.type === 'response' && r.url.endsWith('/never-ending'));
  expect(doc?.warcHeaders['warc-truncated']).toBe('time');
  expect(doc?.payload.toString('utf8')).toContain('NEVER-END-5');
});

test('the whole-capture deadline holds even when every stage would take longer', async () => {
  const started = Date.now();
  const c = await env.capture(`${env.site.http}/never-ending`, {
    profile: {
      ...TEST_PROFILE,
      timeouts: { ...TEST_PROFILE.timeouts, navigateMs: 60_000, settleMs: 60_000, totalMs: 5_000 },
    },
  });
  expect(Date.now() - started).toBeLessThan(5_000 + 12_000);
  expect(['partial', 'failed']).toContain(c.outcome);
});

test('a renderer crash gives a failed capture with capture.renderer-crashed, and the browser lives on', async () => {
  const c = await env.capture(`${env.site.http}/crash`, {
    onStage: async (stage) => {
      if (stage !== 'settle') return;
      const target = env.browser
        .targets()
        .find((t) => t.type() === TargetType.PAGE && t.url().endsWith('/crash'));
      if (!target) throw new Error('capture page not found');
      const session = await target.createCDPSession();
      await session.send('Inspector.enable');
      const crashed = new Promise<void>((resolve) =>
        session.once('Inspector.targetCrashed', () => resolve()),
      );
      // Page.crash never answers: the renderer is gone before it can.
      session.send('Page.crash').catch(() => undefined);
      await crashed;
    },
  });
  // The crash is noticed at once, not when the settle deadline runs out.
  expect(c.stages.find((s) => s.stage === 'settle')?.elapsedMs ?? 0).toBeLessThan(5_000);
  expect(c.stages.find((s) => s.stage === 'archive')?.elapsedMs ?? Infinity).toBeLessThan(8_000);
  expect(c.outcome).toBe('failed');
  expect(c.error?.code).toBe('capture.renderer-crashed');
  // What was loaded before the crash is still archived.
  expect(c.artifacts.map((a) => a.kind)).toContain('wacz');
  const after = await env.capture(`${env.site.http}/`);
  expect(after.outcome).toBe('complete');
});

test('cancelling through the signal ends the capture as capture.cancelled', async () => {
  const controller = new AbortController();
  const c = await env.capture(`${env.site.http}/`, {
    signal: controller.signal,
    onStage: (stage) => {
      if (stage === 'settle') controller.abort();
    },
  });
  expect(c.outcome).toBe('failed');
  expect(c.error?.code).toBe('capture.cancelled');
});

test('the provider relaunches a browser that went away', async () => {
  const first = await env.provider.browser();
  expect(await env.provider.browser()).toBe(first);
  const closed = new Promise<void>((resolve) => first.once('disconnected', () => resolve()));
  first.process()?.kill('SIGKILL');
  await closed;
  const second = await env.provider.browser();
  expect(second).not.toBe(first);
  expect(second.connected).toBe(true);
  const c = await env.capture(`${env.site.http}/`);
  expect(c.outcome).toBe('complete');
  env.browser = second;
});
