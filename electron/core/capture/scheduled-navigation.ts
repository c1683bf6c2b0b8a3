import type { CaptureRun, LivePage } from './capture-run';
import type { PageWatch } from './page-watch';

/**
 * How long past its due time a scheduled navigation may take to start and load before the
 * capture stops waiting for it (a timer runs late on a busy machine; the target must answer).
 */
const GRACE_MS = 2_000;
/** A page that moves on more often than this within the bound is followed no further. */
const MAX_HOPS = 20;

/** Per run: when the bound for following scheduled navigations ends (set on the first look). */
const bounds = new WeakMap<CaptureRun, number>();

/**
 * Follows the navigations the page has scheduled (a meta refresh with a delay, `location` set
 * from a timer, a form submitted from script) to where they land, while they are due within the
 * profile's `scheduledNavigationMs` from the first look. A page without one costs one look. A page
 * still moving when the bound passes is reported (`navigate.pending-redirect`, partial).
 * Returns whether the page moved, so that the new document is settled too.
 */
export async function followScheduledNavigations(
  run: CaptureRun,
  live: LivePage,
  watch: PageWatch,
  deadline: number,
  quietFor: () => number,
): Promise<boolean> {
  let until = bounds.get(run);
  if (until === undefined) {
    until = Math.min(deadline, Date.now() + run.opts.profile.scheduledNavigationMs);
    bounds.set(run, until);
  }
  let moved = false;
  let waitedInFlight = false;
  for (let hop = 0; hop < MAX_HOPS; hop += 1) {
    const loads = watch.loads();
    // A navigation already asked for but not yet loaded is due now (once: one that the browser
    // dropped, a download say, must not hold the capture).
    const inFlight = !waitedInFlight && watch.requested() > 0 && watch.requested() >= loads;
    // The first time round, the look the scroll-through's last growth check took (if it is
    // that recent) is what a new look would read.
    const look = (hop === 0 ? watch.recentLook() : null) ?? (await watch.look());
    let nav: { dueInMs: number; via: string | null } | null = look?.nav ?? null;
    if (nav === null && (inFlight || look === null)) {
      nav = { dueInMs: 0, via: null };
      waitedInFlight = true;
    }
    if (nav === null) return moved;
    const dueAt = Date.now() + nav.dueInMs;
    if (dueAt > until) {
      pendingRedirect(run, live, `due in ${Math.round(nav.dueInMs)} ms`);
      return moved;
    }
    const landed = await watch.waitForLoad(loads, Math.min(until, dueAt + GRACE_MS), run.signal);
    if (!landed) {
      // The timer ran without moving the page (or cleared itself): look again; a navigation that
      // started but did not load before the bound is still moving.
      if (Date.now() >= until && (await stillMoving(watch))) {
        pendingRedirect(run, live, 'still loading');
        return moved;
      }
      if (look === null) return moved;
      continue;
    }
    moved = true;
    await live.recorder.waitForQuiet(quietFor, deadline, run.signal);
  }
  pendingRedirect(run, live, `after ${MAX_HOPS} hops`);
  return moved;
}

async function stillMoving(watch: PageWatch): Promise<boolean> {
  const look = await watch.look();
  return look === null || !look.loaded || look.nav !== null;
}

function pendingRedirect(run: CaptureRun, live: LivePage, detail: string): void {
  if (run.warnings.some((w) => w.code === 'navigate.pending-redirect')) return;
  run.warn(
    'navigate.pending-redirect',
    `The page was still moving on when the ${run.opts.profile.scheduledNavigationMs} ms bound for ` +
      `scheduled navigations passed (at ${live.page.url()}, next navigation ${detail}); the capture ` +
      'holds the page it was on, not where it was going',
  );
}
