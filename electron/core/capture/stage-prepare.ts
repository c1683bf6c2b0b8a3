import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'puppeteer-core';
import { certificateErrorPolicy } from './capture-profile';
import type { CaptureRun, LivePage } from './capture-run';
import { bounded } from './deadline';
import { closeGuard, guardedContextOptions } from './guarded-context';
import { guardPage } from './hostile';
import { startNetworkRecorder } from './network-recorder';
import type { NetworkRecorder } from './network-recorder';
import { recordConsole } from './page-extract';

/** A fresh incognito context for this capture (through the profile's proxy, if it has one). */
export async function openContext(run: CaptureRun): Promise<BrowserContext> {
  const { browser } = run.opts;
  const options = await guardedContextOptions(run);
  try {
    const context = await browser.createBrowserContext(options);
    run.context = context;
    return context;
  } catch (error) {
    await closeGuard(run);
    throw error;
  }
}

/**
 * Stage 0, prepare the page: crash detection, the security-state listener, the console log, the
 * hostile-page guard, the network recorder and the profile's emulation, all in place before the
 * navigation. Each part goes on the run as soon as it exists (see CaptureRun).
 */
export async function preparePage(run: CaptureRun, context: BrowserContext): Promise<LivePage> {
  const { browser, clock } = run.opts;
  const page = await context.newPage();
  run.page = page;
  page.on('error', () => {
    run.crashed = true;
    run.crashAbort.abort();
  });
  const [session, quarantineDir] = await Promise.all([
    page.createCDPSession(),
    mkdtemp(path.join(os.tmpdir(), 'vigil-download-')),
  ]);
  run.session = session;
  watchSecurityState(run, session);
  run.consoleLog = recordConsole(page, session, clock);
  // The guard and the recorder are independent round trips to the browser: they go out together
  // (an ordinary page's capture spends most of its own time in such waits), and each is on the
  // run the moment it exists, so that a failure of the other still finds it there to stop.
  const [guard, recorder] = await Promise.all([
    guardPage({ browser, context, page, session, clock, quarantineDir }).then((g) => (run.guard = g)),
    recordAndEmulate(run, page, session).then((r) => (run.recorder = r)),
  ]);
  return { page, session, guard, recorder };
}

/**
 * The visible security state carries the DER chain Chromium validated and the certificate error
 * it found: ignored (and recorded) when the profile records certificate errors, else the reason
 * the page was refused.
 */
function watchSecurityState(run: CaptureRun, session: CDPSession): void {
  const recording = certificateErrorPolicy(run.opts.profile) === 'record';
  session.on('Security.visibleSecurityStateChanged', (e) => {
    const state = e.visibleSecurityState.certificateSecurityState;
    if (!state) return;
    run.security.visibleChain = state.certificate;
    const error = state.certificateNetworkError;
    if (error) {
      run.security.certificateErrorsIgnored = recording;
      run.security.certificateError = error;
    }
  });
}

/** Starts the network recorder and applies the profile (viewport, touch, user agent, zone, locale, TLS bypass). */
async function recordAndEmulate(run: CaptureRun, page: Page, session: CDPSession): Promise<NetworkRecorder> {
  const { profile, clock } = run.opts;
  // The rest is independent: each setting is a round trip, so they go out together; all are in
  // place before the navigation.
  const [recorder] = await Promise.all([
    startNetworkRecorder(page, clock),
    session.send('Emulation.setDeviceMetricsOverride', {
      width: profile.viewport.width,
      height: profile.viewport.height,
      deviceScaleFactor: profile.viewport.deviceScaleFactor,
      mobile: profile.viewport.isMobile,
    }),
    profile.viewport.hasTouch
      ? session.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 })
      : null,
    session.send('Network.setUserAgentOverride', {
      userAgent: run.userAgent,
      acceptLanguage: profile.acceptLanguage,
      platform: profile.viewport.isMobile ? 'Android' : 'Linux x86_64',
    }),
    session.send('Emulation.setTimezoneOverride', { timezoneId: profile.timeZone }),
    session.send('Emulation.setLocaleOverride', { locale: profile.locale }).catch(() => {
      run.warn(
        'profile.locale',
        `Chromium refused the locale ${profile.locale}; the browser default was used`,
      );
    }),
    // Recording a certificate error needs the page loaded despite it (DESIGN §11: the bypass is
    // then recorded explicitly, see capture-report.ts).
    certificateErrorPolicy(profile) === 'record'
      ? session.send('Security.setIgnoreCertificateErrors', { ignore: true })
      : null,
    session.send('Security.enable'),
    session.send('Runtime.enable'),
  ]);
  return recorder;
}

/**
 * The guard settles what it saw (downloads are hashed), then the context goes; once only, however
 * often it is asked. Resolves to whether the context closed in time; never rejects.
 */
export function releaseBrowser(run: CaptureRun): Promise<boolean> {
  run.closing ??= (async () => {
    if (run.guard) await bounded(run.guard.stop(), Date.now() + 2_000, 'guard').catch(() => undefined);
    run.consoleLog.stop();
    if (!run.context) return true;
    return bounded(run.context.close(), Date.now() + 10_000, 'closing the context')
      .then(() => true)
      .catch(() => false);
  })();
  return run.closing;
}

/** Waits for the browser side to be released and says so when the context did not close. */
export async function closeBrowser(run: CaptureRun): Promise<void> {
  const closed = await releaseBrowser(run);
  await closeGuard(run);
  if (!closed) run.warn('browser.context-close', 'The browser context did not close within 10 s');
}
