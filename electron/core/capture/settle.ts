import { z } from 'zod';
import type { Page } from 'puppeteer-core';
import type { CaptureProfile } from './capture-profile';
import { bounded } from './deadline';
import type { NetworkRecorder } from './network-recorder';
import type { PageWatch } from './page-watch';

const chunkSchema = z.object({
  y: z.number(),
  height: z.number(),
  viewport: z.number(),
  steps: z.number().int().nonnegative(),
  /** The window did not move although the page is taller (its content scrolls inside an element). */
  stuck: z.boolean(),
  /** The page watch's growth check, asked in the same evaluate (first chunk, already at the bottom). */
  growth: z.unknown().optional(),
});

/** The page watch's settle and growth checks folded into the first chunk (see scrollThrough). */
type InPageChecks = Readonly<{
  api: string;
  settle: Readonly<{ maxMs: number; quietMs: number }>;
  growth: Readonly<{ maxMs: number; quietMs: number }>;
}>;

/**
 * Scrolls one viewport at a time inside the page, for at most `maxMs` or `maxSteps` steps, and
 * stops at the bottom. Each step waits two frames (or 100 ms when frames are not produced), so
 * that IntersectionObservers have run and lazy loads have started; the round trip to Node is paid
 * once per chunk, not once per step.
 */
const chunkScript = (
  maxMs: number,
  maxSteps: number,
  maxY: number,
  checks: InPageChecks | null = null,
): string => `(async (maxMs, maxSteps, maxY, checks) => {
  // The page watch, when its checks ride along: first the document must have rendered and stopped
  // mutating (settle), and a page already at its bottom is asked at once whether it still grows.
  const w = checks ? ${checks?.api ?? 'undefined'} : undefined;
  if (w && checks) await w.settle(checks.settle.maxMs, checks.settle.quietMs);
  const started = performance.now();
  const frames = () => new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => requestAnimationFrame(() => { clearTimeout(timer); resolve(); }));
  });
  const measure = () => ({
    y: window.scrollY,
    height: Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0),
    viewport: window.innerHeight,
  });
  let pos = measure();
  let steps = 0;
  let stuck = false;
  while (pos.y + pos.viewport < pos.height - 1 && pos.y < maxY && steps < maxSteps) {
    if (performance.now() - started >= maxMs) break;
    window.scrollBy(0, window.innerHeight);
    await frames();
    steps += 1;
    const next = measure();
    stuck = next.y === pos.y;
    pos = next;
    if (stuck) break;
  }
  const bottom = pos.y + pos.viewport >= pos.height - 1;
  const growth = w && checks && steps === 0 && !stuck && bottom
    ? await w.growth(pos.height, checks.growth.maxMs, checks.growth.quietMs)
    : null;
  return { ...pos, steps, stuck, growth };
})(${maxMs}, ${maxSteps}, ${maxY}, ${checks ? JSON.stringify({ settle: checks.settle, growth: checks.growth }) : 'null'})`;

/** How long one chunk of steps may run in the page before Node looks at the network and deadline. */
const CHUNK_MS = 400;
/** Longest wait for the requests one chunk started (lazy images, the next feed page). */
const STEP_NETWORK_MS = 3_000;
const STEP_QUIET_MS = 150;
const LATE_REQUEST_MS = 60;
/**
 * Longest wait at the bottom for a page that grows from script without a request (a timer, an
 * IntersectionObserver): while a short timer is due, the DOM is still changing or a "loading…"
 * sentinel is in view, the feed may still append.
 */
const STEP_DOCUMENT_MS = 3_000;
/** The DOM counts as still changing while it mutated this recently. */
const DOCUMENT_QUIET_MS = 150;

type Progress = { y: number; height: number; steps: number; added: number | null };

/** How far the scroll-through got, for the warning that says where it was cut. */
function progressText(p: Progress): string {
  const added = p.added === null ? '' : `, ${p.added} elements added by the page`;
  return `reached ${Math.round(p.y)} px of ${Math.round(p.height)} px after ${p.steps} steps${added}`;
}

/**
 * Scrolls through the page so that lazy images and infinite feeds load before the snapshot
 * (DESIGN §4, §11), bounded by height, steps and the stage deadline; then returns to the top.
 * At the bottom it lets the requests the scroll started finish and looks again: an infinite feed
 * appends while they do. A feed that grows from script without a request is seen by the page
 * watch (the document's height, its mutations, short timers, a "loading…" sentinel in view).
 * Being cut short is reported as a warning saying how far it got, never an error.
 */
export async function scrollThrough(
  page: Page,
  recorder: NetworkRecorder,
  profile: CaptureProfile,
  deadline: number,
  warn: (code: string, message: string) => void,
  signal?: AbortSignal,
  watch: PageWatch | null = null,
  settleFirst: Readonly<{ maxMs: number; quietMs: number }> | null = null,
): Promise<void> {
  // One round trip for an ordinary page: the watch's settle wait (settleFirst) and, for a page
  // that fits or already sits at its bottom, its growth check run inside the first chunk.
  let checks: InPageChecks | null =
    watch && settleFirst
      ? {
          api: watch.inPage,
          settle: settleFirst,
          growth: {
            maxMs: Math.min(STEP_DOCUMENT_MS, Math.max(0, deadline - Date.now())),
            quietMs: DOCUMENT_QUIET_MS,
          },
        }
      : null;
  let steps = 0;
  let atBottomBefore = false;
  let lastY = 0;
  const progress: Progress = { y: 0, height: 0, steps: 0, added: null };
  for (;;) {
    if (Date.now() >= deadline) {
      warn(
        'settle.scroll-timeout',
        `The scroll-through for lazy content was cut by the settle deadline (${progressText(progress)})`,
      );
      break;
    }
    const before = recorder.requests();
    const chunk = await bounded(
      page.evaluate(
        chunkScript(CHUNK_MS, profile.scroll.maxSteps - steps, profile.scroll.maxHeightPx, checks),
      ),
      deadline,
      'scroll',
      signal,
    );
    checks = null;
    const pos = chunkSchema.parse(chunk);
    const inPageGrowth = watch && pos.growth ? watch.growthOf(pos.growth) : null;
    steps += pos.steps;
    lastY = pos.y;
    Object.assign(progress, { y: pos.y + pos.viewport, height: pos.height, steps });
    const atBottom = pos.y + pos.viewport >= pos.height - 1;
    // A request the last step triggered reaches us a moment after the page answered: give it
    // that moment before deciding at the bottom that nothing more is coming.
    if (atBottom && pos.steps > 0 && recorder.requests() === before) {
      await new Promise((resolve) => setTimeout(resolve, LATE_REQUEST_MS));
    }
    const loaded = recorder.requests() > before;
    if (loaded) {
      await recorder.waitForQuiet(STEP_QUIET_MS, Math.min(deadline, Date.now() + STEP_NETWORK_MS), signal);
    }
    if (pos.stuck) break;
    // Network silence at the bottom is not the end of a feed that appends from script.
    let grew = false;
    if (atBottom && !loaded && watch) {
      const growth =
        inPageGrowth ??
        (await watch.growth(
          pos.height,
          Math.min(STEP_DOCUMENT_MS, Math.max(0, deadline - Date.now())),
          DOCUMENT_QUIET_MS,
          deadline,
          signal,
        ));
      grew = growth?.grew ?? false;
      if (growth) Object.assign(progress, { height: growth.height, added: growth.added });
    }
    // At the bottom with nothing loading or growing: done. If the scroll started requests, an
    // infinite feed may have appended while they settled, so the next chunk looks again; a page
    // that requests without growing (polling) ends it the second time round.
    if (atBottom && !grew && (!loaded || (atBottomBefore && pos.steps === 0))) break;
    atBottomBefore = atBottom && !grew;
    if (pos.y >= profile.scroll.maxHeightPx) {
      warn(
        'settle.scroll-limit',
        `Stopped scrolling at ${profile.scroll.maxHeightPx} px; the page kept growing (${progressText(progress)})`,
      );
      break;
    }
    if (steps >= profile.scroll.maxSteps) {
      warn(
        'settle.scroll-limit',
        `Stopped scrolling after ${steps} steps; the page kept growing (${progressText(progress)})`,
      );
      break;
    }
  }
  // The snapshot starts at the top, also of a page that scrolled itself (a fragment, say).
  if (steps > 0 || lastY > 0) {
    await bounded(page.evaluate('window.scrollTo(0, 0)'), deadline, 'scroll to top', signal);
  }
}
