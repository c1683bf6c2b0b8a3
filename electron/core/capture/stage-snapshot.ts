import { snapshotDeadline, timedStage } from './capture-run';
import type { CaptureRun, LivePage } from './capture-run';
import type { RestrictedScreenshots } from './media-withholding';
import { pageWatchOf } from './page-watch';
import { takeSnapshot } from './snapshot';
import type { Snapshot } from './snapshot';
import type { PageActivity } from './stage-settle';

/**
 * Stage 3, snapshot: everything the page shows (snapshot.ts), taken once the page is quiet by the
 * rule of PageActivity. A part that fails is a warning; the page text and metadata go on the run.
 */
export async function snapshotStage(run: CaptureRun, live: LivePage, activity: PageActivity): Promise<void> {
  const deadline = snapshotDeadline(run);
  await timedStage(run, 'snapshot', deadline, async () => {
    const snapshot = await snapshotOfQuietPage(run, live, activity, deadline);
    run.artifacts.push(...snapshot.artifacts);
    run.warnings.push(...snapshot.warnings);
    run.extract = snapshot.extract;
    if (run.crashed) run.warn('snapshot.renderer-crashed', 'The renderer crashed during the snapshot');
  });
}

/**
 * A page that was quiet through settle is snapshotted at once while its quiet window runs; if it
 * loaded something meanwhile, the snapshot is taken again once it is quiet (or the time is up).
 */
async function snapshotOfQuietPage(
  run: CaptureRun,
  live: LivePage,
  activity: PageActivity,
  deadline: number,
): Promise<Snapshot> {
  const { page, session, recorder } = live;
  const { profile, workDir } = run.opts;
  const { active, quietFor } = activity;
  const take = async (): Promise<Snapshot> =>
    takeSnapshot({
      page,
      session,
      workDir,
      profile,
      deadline,
      signal: run.signal,
      crashed: () => run.crashed,
      restricted: await restrictedSnapshot(run, recorder),
    });
  const quietPage = !active();
  const before = recorder.requests();
  // A page that starts polling now must not hold the snapshot longer than it could hold settle.
  const quietBy = Math.min(deadline, Date.now() + profile.timeouts.settleMs);
  const stillWindow = stillPageWindow(run, quietPage, quietFor);
  const window = quietPage
    ? recorder.waitForQuiet(
        () => (active() ? profile.timeouts.activeQuietMs : (stillWindow ?? profile.timeouts.networkQuietMs)),
        quietBy,
        run.signal,
      )
    : null;
  let snapshot = await take();
  if (window) {
    const quiet = await window;
    if (recorder.requests() !== before && !run.crashed) {
      // The page loaded something while it was being snapshotted: what it shows may have
      // changed. Take it again, now that it has been quiet for the long window.
      await snapshot.discard();
      if (!quiet || !(await recorder.waitForQuiet(quietFor, quietBy, run.signal))) {
        run.warn('settle.network-busy', 'Requests were still in flight when the snapshot was taken');
      }
      snapshot = await take();
    }
  }
  return snapshot;
}

/**
 * The network window a quiet page must keep after its snapshot guards against what starts late
 * without a trace the capture can see. Where the page watch saw the page still at the end of the
 * scroll-through (no growth, no mutation since load, no short timer or idle callback due, nothing
 * loading, no navigation scheduled), the page has shown everything that could start late: the
 * short first-look window is enough, and the long one is kept for pages the watch cannot vouch
 * for. Returns the window in ms, or null for the profile's network window.
 */
function stillPageWindow(run: CaptureRun, quietPage: boolean, quietFor: () => number): number | null {
  if (!quietPage) return null;
  const watch = pageWatchOf(run);
  return watch?.stillAfterScroll() ? quietFor() : null;
}

/**
 * Restricted capture: the media that arrived so far are screened first (a known-hash match makes
 * the capture restricted before anything is photographed); null for an ordinary snapshot.
 */
async function restrictedSnapshot(
  run: CaptureRun,
  recorder: LivePage['recorder'],
): Promise<RestrictedScreenshots | null> {
  const w = run.withholding;
  if (w === null) return null;
  await w.screen(recorder.exchanges);
  if (!w.restricted()) return null;
  w.snapshotRestricted = true;
  return w.policy.screenshots;
}
