// Review packet with 10 tall screenshots (8,000–10,000 px): wall time and peak memory of renderPacket
// (Chromium lays out boxes, pdf-lib draws the stored PNG bytes, stamps, attachments, PAdES signature),
// against Chromium printing the same HTML with the screenshots inline as <img> in the same run.
// Target: packet < 5 s.
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { renderPacket } from '../electron/core/packet/render-packet';
import { buildPacketHtml, fontFaceCss, planSlices } from '../electron/core/packet/packet-html';
import { PacketModel } from '../electron/core/packet/packet-model';
import { findFontsDir } from '../electron/core/packet/packet-fonts';
import { launchChromium } from '../tests/helpers/chromium';
import {
  makePacketModel,
  makeScreenshot,
  makeTempDir,
  makeTestSigner,
  writeCaptureFiles,
} from '../tests/helpers/packet-fixtures';
import type { PacketScreenshot } from '../electron/core/packet/packet-model';

const SHOTS = 10;
const ROUNDS = 3;
const clock = () => new Date('2026-11-22T10:20:00.000Z');

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Samples this process's RSS while `fn` runs (Chromium's own memory is a separate process). */
async function measure<T>(
  fn: () => Promise<T>,
): Promise<{ ms: number; peakRss: number; cpuMs: number; value: T }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const start = performance.now();
  const cpu = process.cpuUsage();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - start, peakRss: peak, cpuMs: (used.user + used.system) / 1000, value };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const dir = makeTempDir('bench-packet');
  const browser = await launchChromium(join(dir, 'chromium'));
  try {
    const shots: PacketScreenshot[] = [];
    for (let i = 0; i < SHOTS; i++) {
      const height = 8000 + Math.round((2000 * i) / (SHOTS - 1));
      shots.push(
        await makeScreenshot(browser, join(dir, `shot-${i}.png`), {
          height,
          hue: i * 36,
          title: `Page ${i + 1}`,
        }),
      );
    }
    const pngBytes = shots.reduce((n, s) => n + statSync(s.file).size, 0);
    const files = writeCaptureFiles(join(dir, 'capture'), shots);
    const signer = makeTestSigner(join(dir, 'keys'));
    const model = makePacketModel({ language: 'en', files, decided: true });

    // Baseline: the same layout, each box an <img> of the whole PNG shifted into its slice.
    const parsed = PacketModel.parse(model);
    const slices = planSlices(parsed);
    const fontsDir = findFontsDir();
    const fontCss = fontFaceCss({
      sansRegular: readFileSync(join(fontsDir, 'NotoSans-Regular.ttf')),
      sansBold: readFileSync(join(fontsDir, 'NotoSans-Bold.ttf')),
      naskhRegular: readFileSync(join(fontsDir, 'NotoNaskhArabic-Regular.ttf')),
      naskhBold: readFileSync(join(fontsDir, 'NotoNaskhArabic-Bold.ttf')),
      mono: readFileSync(join(fontsDir, 'NotoSansMono-Regular.ttf')),
    });
    const dataUrls = shots.map((s) => `data:image/png;base64,${readFileSync(s.file).toString('base64')}`);
    let inlineHtml = buildPacketHtml({ model: parsed, slices, fontCss, generatedAt: clock(), signer: null });
    inlineHtml = inlineHtml.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    for (const slice of slices) {
      const shot = shots[slice.shotIndex];
      if (shot === undefined) continue;
      const scale = slice.cssWidth / shot.width;
      const box = new RegExp(`<a class="shot" href="[^"]*/box/${slice.index}"[^>]*></a>`);
      inlineHtml = inlineHtml.replace(
        box,
        `<div style="width:${slice.cssWidth}px;height:${slice.cssHeight}px;overflow:hidden">` +
          `<img src="${dataUrls[slice.shotIndex]}" style="display:block;width:${slice.cssWidth}px;` +
          `margin-top:${-slice.top * scale}px"></div>`,
      );
    }

    const packetRuns: { ms: number; peakRss: number; cpuMs: number }[] = [];
    const baselineRuns: { ms: number; peakRss: number; cpuMs: number }[] = [];
    let pages = 0;
    let size = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const workDir = join(dir, `out-${round}`);
      mkdirSync(workDir, { recursive: true });
      const r = await measure(() => renderPacket({ model, browser, workDir, clock, signer }));
      packetRuns.push(r);
      pages = r.value.pages;
      size = statSync(r.value.file).size;
      const b = await measure(async () => {
        const context = await browser.createBrowserContext();
        try {
          const page = await context.newPage();
          await page.setContent(inlineHtml, { waitUntil: 'load' });
          await page.evaluate('document.fonts.ready.then(() => true)');
          return await page.pdf({
            preferCSSPageSize: true,
            printBackground: true,
            tagged: true,
            timeout: 300_000,
          });
        } finally {
          await context.close();
        }
      });
      baselineRuns.push(b);
    }
    const packetMs = median(packetRuns.map((r) => r.ms));
    const baselineMs = median(baselineRuns.map((r) => r.ms));
    console.log(
      `screenshots: ${SHOTS} × 1280 × 8000–10000 px, ${mb(pngBytes)} of PNG; packet ${pages} pages, ${mb(size)}`,
    );
    console.log(
      `renderPacket (print + original PNGs + stamps + attachments + PAdES): ${(packetMs / 1000).toFixed(2)} s median of ${ROUNDS}`,
    );
    console.log(
      `baseline (Chromium prints the same HTML with the PNGs inline):      ${(baselineMs / 1000).toFixed(2)} s median of ${ROUNDS}`,
    );
    console.log(
      `ratio renderPacket / baseline: ${(packetMs / baselineMs).toFixed(2)} (target: packet < 5 s)`,
    );
    console.log(
      `Node CPU time (pdf-lib, hashing, signing; Chromium excluded): renderPacket ` +
        `${(median(packetRuns.map((r) => r.cpuMs)) / 1000).toFixed(2)} s, baseline ` +
        `${(median(baselineRuns.map((r) => r.cpuMs)) / 1000).toFixed(2)} s; load average ${loadavg()[0]?.toFixed(1)}`,
    );
    console.log(
      `peak RSS of this process: renderPacket ${mb(Math.max(...packetRuns.map((r) => r.peakRss)))}, ` +
        `baseline ${mb(Math.max(...baselineRuns.map((r) => r.peakRss)))}`,
    );
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
