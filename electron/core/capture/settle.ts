import { z } from 'zod';
import type { Page } from 'puppeteer-core';
import type { CaptureProfile } from './capture-profile';
import { bounded } from './deadline';
import type { NetworkRecorder } from './network-recorder';

const positionSchema = z.object({ y: z.number(), height: z.number(), viewport: z.number() });

// Scrolls one viewport and reports after two frames, so that IntersectionObservers have run.
const STEP_SCRIPT = `new Promise((resolve) => {
  window.scrollBy(0, window.innerHeight);
  const report = () => resolve({
    y: window.scrollY,
    height: Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0),
    viewport: window.innerHeight,
  });
  requestAnimationFrame(() => requestAnimationFrame(report));
})`;

const MEASURE_SCRIPT = `({
  y: window.scrollY,
  height: Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0),
  viewport: window.innerHeight,
})`;

/** Longest wait for the requests one scroll step started (lazy images, the next feed page). */
const STEP_NETWORK_MS = 3_000;
const STEP_QUIET_MS = 150;

/**
 * Scrolls through the page one viewport at a time so that lazy images and infinite feeds load
 * before the snapshot (DESIGN §4, §11), bounded by height, steps and the stage deadline; then
 * returns to the top. Being cut short is reported as a warning, never an error.
 */
export async function scrollThrough(
  page: Page,
  recorder: NetworkRecorder,
  profile: CaptureProfile,
  deadline: number,
  warn: (code: string, message: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  let steps = 0;
  for (;;) {
    if (Date.now() >= deadline) {
      warn('settle.scroll-timeout', 'The scroll-through for lazy content was cut by the settle deadline');
      break;
    }
    const before = recorder.requests();
    const pos = positionSchema.parse(
      await bounded(page.evaluate(STEP_SCRIPT), deadline, 'scroll step', signal),
    );
    steps += 1;
    if (recorder.requests() > before) {
      await recorder.waitForQuiet(STEP_QUIET_MS, Math.min(deadline, Date.now() + STEP_NETWORK_MS), signal);
    }
    if (pos.y + pos.viewport >= pos.height - 1) {
      // At the bottom: an infinite feed may have appended more while the network settled.
      const after = positionSchema.parse(
        await bounded(page.evaluate(MEASURE_SCRIPT), deadline, 'measure', signal),
      );
      if (after.y + after.viewport >= after.height - 1) break;
    }
    if (pos.y >= profile.scroll.maxHeightPx) {
      warn(
        'settle.scroll-limit',
        `Stopped scrolling at ${profile.scroll.maxHeightPx} px; the page kept growing`,
      );
      break;
    }
    if (steps >= profile.scroll.maxSteps) {
      warn('settle.scroll-limit', `Stopped scrolling after ${steps} steps; the page kept growing`);
      break;
    }
  }
  await bounded(page.evaluate('window.scrollTo(0, 0)'), deadline, 'scroll to top', signal);
}
