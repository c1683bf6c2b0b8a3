import type { HTTPResponse } from 'puppeteer-core';
import { AppError, errorMessage } from '@shared/errors/app-error';
import { classifyNavigationError, rendererCrashed } from './capture-failure';
import { stageDeadline, timedStage } from './capture-run';
import type { CaptureRun, LivePage } from './capture-run';
import { CancelledError, DeadlineError, bounded } from './deadline';
import { mainDocuments } from './main-documents';
import { installPageWatch } from './page-watch';

/**
 * Stage 1, navigate: loads the URL up to its load event. A page that answered but did not finish
 * loading in time is kept (with a warning); one that never answered, a download and a net error end
 * the capture.
 */
export async function navigateStage(run: CaptureRun, live: LivePage): Promise<void> {
  const { url, profile } = run.opts;
  const deadline = stageDeadline(run, profile.timeouts.navigateMs);
  await timedStage(run, 'navigate', deadline, async () => {
    let response: HTTPResponse | null = null;
    await watchPage(run, live, deadline);
    try {
      response = await bounded(
        live.page.goto(url, { waitUntil: 'load', timeout: Math.max(1, deadline - Date.now()) }),
        deadline + 1_000,
        'navigation',
        run.signal,
      );
    } catch (error) {
      judgeNavigationError(run, live, error);
    }
    if (response === null && mainDocuments(live.recorder.exchanges).length === 0) {
      throw new AppError('capture.navigation-failed', 'The browser made no request for the URL');
    }
  });
}

/**
 * The document and navigation watch (page-watch.ts) goes in before the first byte, so that it sees
 * every document of the capture. Without it the capture cannot tell that it followed the page to
 * its end: that is a gap in the record, not a reason to lose the page.
 */
async function watchPage(run: CaptureRun, live: LivePage, deadline: number): Promise<void> {
  try {
    await bounded(installPageWatch(run, live), deadline, 'page watch', run.signal);
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    run.warn('settle.watch-unavailable', `The page watch could not be installed: ${errorMessage(error)}`);
  }
}

/** Returns when the capture goes on despite the failed `goto` (a warning says why); else throws. */
function judgeNavigationError(run: CaptureRun, live: LivePage, error: unknown): void {
  if (error instanceof CancelledError) throw error;
  const { navigateMs } = run.opts.profile.timeouts;
  const message = errorMessage(error);
  const timedOut =
    error instanceof DeadlineError || (error instanceof Error && error.name === 'TimeoutError');
  const gotDocument = mainDocuments(live.recorder.exchanges).some((ex) => ex.response !== null);
  if (run.crashed) throw rendererCrashed();
  if (timedOut && gotDocument) {
    run.warn('navigate.timeout', `The page did not finish loading within ${navigateMs} ms`);
    return;
  }
  if (timedOut) throw new AppError('capture.timeout', `No response within ${navigateMs} ms`);
  if (/net::ERR_ABORTED/.test(message) && live.guard.downloads.length > 0) {
    throw new AppError('capture.navigation-failed', 'The URL is a download, not a page');
  }
  // The page replaced itself (client-side redirect) while loading: follow it in settle.
  if (/navigated|detached|ERR_ABORTED/i.test(message) && gotDocument) return;
  throw new AppError(classifyNavigationError(message), message);
}
