import type { BrowserContext } from 'puppeteer-core';
import { failureOf } from './capture-failure';
import type { CaptureFailure } from './capture-failure';
import { buildResult } from './capture-result';
import { writeReport } from './capture-report';
import { startRun } from './capture-run';
import type { CaptureRun, RunCaptureOptions } from './capture-run';
import { policyFailure } from './guarded-context';
import { landingOf } from './main-documents';
import type { RawCapture } from './raw-capture';
import { archiveStage } from './stage-archive';
import { navigateStage } from './stage-navigate';
import { closeBrowser, openContext, preparePage } from './stage-prepare';
import { settleStage } from './stage-settle';
import { snapshotStage } from './stage-snapshot';
import { checkCaptureUrl } from './url-policy';

/**
 * Drives one capture in a fresh incognito context and leaves its files in `workDir`. Page
 * problems never throw: they come back as `failed` (with a code) or `partial` (with warnings).
 * Only a broken caller (unusable workDir, browser gone) can make it throw.
 *
 * The stages share one CaptureRun (capture-run.ts says which step adds what to it).
 */
export async function runCapture(opts: RunCaptureOptions): Promise<RawCapture> {
  const run = await startRun(opts);
  const refused = refusedUrl(run);
  if (refused) return buildResult(run, landingOf(run), refused);
  const context = await openContext(run);
  const failure = policyFailure(run, await browse(run, context));
  // Where the page landed is read before the archive stage stops the recorder and closes the page.
  const landing = landingOf(run);
  // The archive runs whatever happened above, so a failed capture still keeps what was loaded.
  await archiveStage(run, landing, failure);
  await closeBrowser(run);
  await writeReport(run, landing);
  return buildResult(run, landing, failure);
}

/** The capture layer's own URL check (url-policy.ts): a refused URL is never opened. */
function refusedUrl(run: CaptureRun): CaptureFailure | null {
  const { url, profile } = run.opts;
  try {
    checkCaptureUrl(url, {
      allowPrivateNetwork: profile.allowPrivateNetwork,
      allowHosts: profile.allowHosts ?? [],
    });
    return null;
  } catch (error) {
    return failureOf(error, { crashed: false, browserGone: false }, 'intake.bad-url');
  }
}

/** The stages that drive the page, in order; the first failure ends them and is returned. */
async function browse(run: CaptureRun, context: BrowserContext): Promise<CaptureFailure | null> {
  try {
    const live = await preparePage(run, context);
    await navigateStage(run, live);
    const activity = await settleStage(run, live);
    await snapshotStage(run, live, activity);
    return null;
  } catch (error) {
    return failureOf(error, { crashed: run.crashed, browserGone: !run.opts.browser.connected });
  }
}
