import { errorMessage } from '@shared/errors/app-error';
import { rendererCrashed } from './capture-failure';
import { stageDeadline, timedStage } from './capture-run';
import type { CaptureRun, LivePage } from './capture-run';
import { CancelledError, bounded } from './deadline';
import type { NetworkRecorder } from './network-recorder';
import { pageWatchOf } from './page-watch';
import type { PageWatch } from './page-watch';
import { followScheduledNavigations } from './scheduled-navigation';
import { scrollThrough } from './settle';

/**
 * The silence after the load event before a page that has requested nothing since is first
 * looked at: long enough for what a load handler starts (a redirect, a fetch) to show up.
 */
const FIRST_LOOK_MS = 25;
/** Longest wait for a document that is still rendering or mutating before its scroll-through. */
const DOCUMENT_SETTLE_MS = 1_500;
/** The DOM counts as settled once it has not mutated for this long. */
const DOCUMENT_QUIET_MS = 50;

/**
 * A page that has requested something since its load event (timers, XHR, a client-side
 * redirect, lazy content found by the scroll) has shown that it loads late: it must be quiet
 * for the long window before the snapshot. A page that has not is snapshotted after a short
 * silence, and the snapshot is kept only if the page then stays quiet for the whole (shorter)
 * window; otherwise it is taken again once the page is quiet (stage 3).
 */
export type PageActivity = Readonly<{
  /** The page has requested something since its load event. */
  active: () => boolean;
  /** How long the network must be silent for the page to count as quiet, now. */
  quietFor: () => number;
}>;

function watchActivity(run: CaptureRun, recorder: NetworkRecorder): PageActivity {
  const { timeouts } = run.opts.profile;
  const loadedAt = recorder.requests();
  const active = (): boolean => recorder.requests() > loadedAt;
  return {
    active,
    quietFor: () => (active() ? timeouts.activeQuietMs : Math.min(FIRST_LOOK_MS, timeouts.networkQuietMs)),
  };
}

/**
 * Stage 2, settle: quiet network, then a bounded scroll-through for lazy content, then back to top.
 * What it cannot finish is a warning; a crash or a cancel ends the capture.
 */
export async function settleStage(run: CaptureRun, live: LivePage): Promise<PageActivity> {
  const activity = watchActivity(run, live.recorder);
  const deadline = stageDeadline(run, run.opts.profile.timeouts.settleMs);
  await timedStage(run, 'settle', deadline, async () => {
    try {
      // Each step below takes the deadline, but a DevTools round trip to a page that is busy
      // loading thousands of resources can outlast it: the stage as a whole is bounded too, so
      // that the snapshot keeps its time.
      await bounded(settlePage(run, live, activity, deadline), deadline + 250, 'settle', run.signal);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      if (run.crashed) throw rendererCrashed();
      run.warn('settle.incomplete', errorMessage(error));
    }
  });
  if (run.crashed) throw rendererCrashed();
  return activity;
}

async function settlePage(
  run: CaptureRun,
  live: LivePage,
  activity: PageActivity,
  deadline: number,
): Promise<void> {
  const { recorder } = live;
  const { profile } = run.opts;
  const { quietFor } = activity;
  const watch = pageWatchOf(run);
  if (!(await recorder.waitForQuiet(quietFor, deadline, run.signal))) {
    run.warn('settle.network-busy', `The network was still busy after ${profile.timeouts.settleMs} ms`);
  }
  // A page that moves itself on after load is settled where it lands; one that moves on again
  // after the scroll-through is settled again (each round is bounded by the same deadline).
  if (watch) await followScheduledNavigations(run, live, watch, deadline, quietFor);
  for (let round = 1; ; round += 1) {
    await scrollWithRetry(run, live, activity, deadline, watch);
    if (!watch || round >= 3) break;
    if (!(await followScheduledNavigations(run, live, watch, deadline, quietFor))) break;
  }
  if (!(await recorder.waitForQuiet(quietFor, deadline, run.signal))) {
    if (!run.warnings.some((w) => w.code === 'settle.network-busy')) {
      run.warn('settle.network-busy', 'Requests were still in flight when the settle deadline passed');
    }
  }
}

/**
 * Network silence is not enough to start the scroll: a page whose first frame, first
 * IntersectionObserver callback or short timer has not run yet (a machine under load) would be
 * scrolled while still empty. The wait runs in the page at the start of the scroll-through's first
 * chunk, so a page that has rendered and stopped mutating pays no round trip for it.
 */
function settleFirst(deadline: number): Readonly<{ maxMs: number; quietMs: number }> {
  return {
    maxMs: Math.min(DOCUMENT_SETTLE_MS, Math.max(0, deadline - Date.now())),
    quietMs: DOCUMENT_QUIET_MS,
  };
}

/** A client-side redirect replaces the document under the scroll: settle the new one. */
async function scrollWithRetry(
  run: CaptureRun,
  live: LivePage,
  activity: PageActivity,
  deadline: number,
  watch: PageWatch | null,
): Promise<void> {
  const { page, recorder } = live;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await scrollThrough(
        page,
        recorder,
        run.opts.profile,
        deadline,
        run.warn,
        run.signal,
        watch,
        settleFirst(deadline),
      );
      return;
    } catch (error) {
      if (attempt >= 3 || !/context was destroyed|navigat|detached/i.test(errorMessage(error))) throw error;
      await recorder.waitForQuiet(activity.quietFor, deadline, run.signal);
    }
  }
}
