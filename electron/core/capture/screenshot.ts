import { constants } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CDPSession } from 'puppeteer-core';
import type { CaptureProfile } from './capture-profile';
import { bounded } from './deadline';

export type ScreenshotSegment = Readonly<{
  file: string;
  name: string;
  index: number;
  count: number;
  top: number;
  height: number;
}>;

export type FullPageShot = Readonly<{
  segments: readonly ScreenshotSegment[];
  width: number;
  pageHeight: number;
  /** CSS px of the page that are not in the image (page taller than the configured maximum). */
  cutPx: number;
}>;

/** Chromium's GPU texture limit in device px: one shot must stay under it (DESIGN §11). */
const TEXTURE_LIMIT_PX = 16_384;

export function planSegments(
  pageHeight: number,
  opts: { singleShotMaxPx: number; segmentHeightPx: number; deviceScaleFactor: number },
): { top: number; height: number }[] {
  const single = Math.min(opts.singleShotMaxPx, Math.floor(TEXTURE_LIMIT_PX / opts.deviceScaleFactor));
  if (pageHeight <= single) return [{ top: 0, height: Math.max(1, pageHeight) }];
  const step = Math.min(opts.segmentHeightPx, single);
  const out: { top: number; height: number }[] = [];
  for (let top = 0; top < pageHeight; top += step)
    out.push({ top, height: Math.min(step, pageHeight - top) });
  return out;
}

/**
 * Full-page PNG (PNG only: JPEG and WebP silently come back empty on tall pages, DESIGN §11).
 * Pages taller than one texture are kept as ordered segments cut with `clip` +
 * `captureBeyondViewport`; together they cover the page from top to bottom without overlap.
 */
export async function captureFullPage(opts: {
  session: CDPSession;
  dir: string;
  profile: CaptureProfile;
  maxHeightPx: number;
  deadline: number;
  signal?: AbortSignal;
}): Promise<FullPageShot> {
  const metrics = await bounded(
    opts.session.send('Page.getLayoutMetrics'),
    opts.deadline,
    'layout metrics',
    opts.signal,
  );
  const dsf = opts.profile.viewport.deviceScaleFactor;
  const fullHeight = Math.ceil(metrics.cssContentSize.height);
  const pageHeight = Math.min(fullHeight, opts.maxHeightPx);
  const width = Math.min(
    Math.max(Math.ceil(metrics.cssContentSize.width), metrics.cssLayoutViewport.clientWidth),
    Math.floor(TEXTURE_LIMIT_PX / dsf),
  );
  const plan = planSegments(pageHeight, { ...opts.profile.screenshot, deviceScaleFactor: dsf });
  const segments: ScreenshotSegment[] = [];
  const pad = String(plan.length).length < 2 ? 2 : String(plan.length).length;
  for (const [i, seg] of plan.entries()) {
    const shot = await bounded(
      opts.session.send('Page.captureScreenshot', {
        format: 'png',
        clip: { x: 0, y: seg.top, width, height: seg.height, scale: 1 },
        captureBeyondViewport: true,
        fromSurface: true,
      }),
      opts.deadline,
      `screenshot segment ${i + 1}`,
      opts.signal,
    );
    const data = Buffer.from(shot.data, 'base64');
    if (data.length === 0) throw new Error(`Chromium returned an empty image for segment ${i + 1}`);
    const name =
      plan.length === 1
        ? 'screenshot.png'
        : `screenshot-${String(i + 1).padStart(pad, '0')}-of-${String(plan.length).padStart(pad, '0')}.png`;
    const file = path.join(opts.dir, name);
    await writeFile(file, data, { flag: 'wx' });
    segments.push({ file, name, index: i + 1, count: plan.length, top: seg.top, height: seg.height });
  }
  return { segments, width, pageHeight, cutPx: fullHeight - pageHeight };
}

export async function captureViewport(opts: {
  session: CDPSession;
  dir: string;
  deadline: number;
  signal?: AbortSignal;
}): Promise<string> {
  const shot = await bounded(
    opts.session.send('Page.captureScreenshot', { format: 'png', fromSurface: true }),
    opts.deadline,
    'viewport screenshot',
    opts.signal,
  );
  const file = path.join(opts.dir, 'screenshot-viewport.png');
  await writeFile(file, Buffer.from(shot.data, 'base64'), { flag: 'wx' });
  return file;
}

/**
 * True when the full-page image is exactly what a viewport shot would be: one image of the
 * viewport's size at scale 1 on a desktop profile. Chromium then renders the same pixels both
 * ways (a test holds it to that), so the viewport artifact is a copy instead of a second render.
 */
export function isViewportShot(shot: FullPageShot, profile: CaptureProfile): boolean {
  const { viewport } = profile;
  return (
    shot.segments.length === 1 &&
    shot.cutPx === 0 &&
    shot.pageHeight === viewport.height &&
    shot.width === viewport.width &&
    viewport.deviceScaleFactor === 1 &&
    !viewport.isMobile
  );
}

export async function copyAsViewport(shot: FullPageShot, dir: string): Promise<string> {
  const source = shot.segments[0];
  if (!source) throw new Error('The full-page screenshot has no image');
  const file = path.join(dir, 'screenshot-viewport.png');
  await copyFile(source.file, file, constants.COPYFILE_EXCL);
  return file;
}
