import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { bounded } from './deadline';
import { decodeRows, readPng, stackAbove } from './png-rows';
import type { RawArtifact } from './raw-artifact';

export type CaptionInput = Readonly<{
  browser: Browser;
  /** The screenshot to caption (the full page, or the first segment of a tall page). */
  screenshot: RawArtifact;
  finalUrl: string;
  /** The capture time, UTC. */
  capturedAt: string;
  captureId: string;
  workDir: string;
  timeoutMs?: number;
}>;

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function bandHtml(input: CaptionInput): string {
  const line = (label: string, value: string) =>
    `<div><b>${label}</b> <bdi dir="ltr">${escapeHtml(value)}</bdi></div>`;
  return `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;padding:0;background:#fff}
#band{box-sizing:border-box;padding:10px 14px;border-bottom:3px solid #000;background:#fff;color:#000;
font:16px/1.45 "DejaVu Sans Mono","Liberation Mono",monospace;word-break:break-all}
</style></head><body><div id="band">${line('URL', input.finalUrl)}${line('Captured (UTC)', input.capturedAt)}${line('Capture id', input.captureId)}</div></body></html>`;
}

/**
 * A derived image: the caption band (final URL, capture time in UTC, capture id) rendered by the
 * capture's Chromium at the screenshot's pixel width, stacked above the screenshot's own rows
 * (png-rows.ts). The original file is only read: it stays byte-exact, and the captioned copy is
 * an artifact of its own (`screenshot-captioned`) that names the original as its source.
 */
export async function captionScreenshot(input: CaptionInput): Promise<RawArtifact> {
  const deadline = Date.now() + (input.timeoutMs ?? 15_000);
  const original = readPng(await readFile(input.screenshot.file));
  const context = await input.browser.createBrowserContext();
  let band: Buffer;
  try {
    const page = await context.newPage();
    await page.setJavaScriptEnabled(false);
    await bounded(
      page.setViewport({ width: original.width, height: 200, deviceScaleFactor: 1 }),
      deadline,
      'caption viewport',
    );
    await bounded(page.setContent(bandHtml(input), { waitUntil: 'load' }), deadline, 'caption layout');
    const box = await bounded(
      page.evaluate(`Math.ceil(document.getElementById('band').getBoundingClientRect().height)`),
      deadline,
      'caption size',
    );
    band = Buffer.from(
      await bounded(
        page.screenshot({
          type: 'png',
          clip: { x: 0, y: 0, width: original.width, height: Math.max(1, Number(box)) },
          captureBeyondViewport: true,
        }),
        deadline,
        'caption band',
      ),
    );
  } finally {
    await bounded(context.close(), Date.now() + 5_000, 'caption context').catch(() => undefined);
  }
  const bandImage = readPng(band);
  if (bandImage.width !== original.width)
    throw new Error(`the caption band is ${bandImage.width} px wide, the screenshot ${original.width} px`);
  const rows = decodeRows(bandImage, original.channels);
  const name = 'screenshot-captioned.png';
  const file = path.join(input.workDir, name);
  await writeFile(file, stackAbove(rows, original), { flag: 'wx' });
  return {
    kind: 'screenshot-captioned',
    name,
    mediaType: 'image/png',
    file,
    derivedFrom: [input.screenshot.name],
    method: `caption band (final URL, UTC capture time, capture id) rendered by Chromium at ${original.width} px (Page.captureScreenshot {format:png}), ${rows.length} rows stacked above the unchanged pixel rows of ${input.screenshot.name}`,
  };
}
