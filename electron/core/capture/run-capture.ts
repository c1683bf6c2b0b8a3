import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, HTTPResponse, Page } from 'puppeteer-core';
import { errorMessage, isAppError } from '@shared/errors/app-error';
import type { ErrorCode } from '@shared/errors/app-error';
import type { CaptureProfile } from './capture-profile';
import { CancelledError, DeadlineError, bounded } from './deadline';
import { guardPage } from './hostile';
import type { DialogRecord, DownloadRecord, HostileGuard, PopupRecord } from './hostile';
import { startNetworkRecorder } from './network-recorder';
import type { NetworkRecorder, RecordedExchange } from './network-recorder';
import { recordConsole } from './page-extract';
import type { PageExtract } from './page-extract';
import type { ArtifactKind, CaptureWarning, RawArtifact } from './raw-artifact';
import { scrollThrough } from './settle';
import { takeSnapshot } from './snapshot';
import type { Snapshot } from './snapshot';
import { readTlsInfo } from './tls-info';
import type { TlsInfo } from './tls-info';
import { checkCaptureUrl } from './url-policy';
import { sha256Hex, writeWacz } from './wacz-writer';
import { writeWarc } from './warc-writer';

export type CaptureStage = 'navigate' | 'settle' | 'snapshot' | 'archive';

export type { ArtifactKind, CaptureWarning, RawArtifact } from './raw-artifact';

export type RedirectHop = Readonly<{
  url: string;
  status: number;
  location: string;
  kind: 'http' | 'client';
}>;

export type RawCapture = Readonly<{
  url: string;
  finalUrl: string;
  outcome: 'complete' | 'partial' | 'failed';
  error?: { code: ErrorCode; message: string };
  startedAt: string;
  finishedAt: string;
  http: {
    status: number | null;
    headers: Record<string, string>;
    remoteAddress: string | null;
    protocol: string | null;
  };
  redirects: RedirectHop[];
  tls?: TlsInfo;
  /** Set when the profile let a certificate error through; the capture says so in `warnings` too. */
  certificateErrorsIgnored: boolean;
  page: { title: string; lang: string | null; textLength: number; outlinks: number };
  browser: { product: string; version: string };
  /** The User-Agent header the main document request actually carried. */
  userAgent: string;
  viewport: { width: number; height: number; deviceScaleFactor: number; isMobile: boolean };
  locale: string;
  timeZone: string;
  proxy: string | null;
  profile: string;
  artifacts: RawArtifact[];
  warnings: CaptureWarning[];
  dialogs: DialogRecord[];
  popups: PopupRecord[];
  downloads: DownloadRecord[];
  stages: { stage: CaptureStage; elapsedMs: number; durationMs: number }[];
  network: { requests: number; responses: number; failed: number; truncated: number };
}>;

export type RunCaptureOptions = {
  browser: Browser;
  url: string;
  profile: CaptureProfile;
  workDir: string;
  clock: () => Date;
  signal?: AbortSignal;
  /** Progress; a returned promise is awaited (bounded by the stage deadline) before the stage runs. */
  onStage?: (stage: CaptureStage, elapsedMs: number) => void | Promise<void>;
};

const SOFTWARE = 'Vigil capture engine';

/**
 * The silence after the load event before a page that has requested nothing since is first
 * looked at: long enough for what a load handler starts (a redirect, a fetch) to show up.
 */
const FIRST_LOOK_MS = 25;

type BrowserIdentity = Readonly<{ version: string; userAgent: string }>;
const identities = new WeakMap<Browser, Promise<BrowserIdentity>>();

/**
 * The browser's version and default user agent, asked once per browser process (a restarted
 * browser is a new object and is asked again). Headless Chromium names itself `HeadlessChrome`;
 * the capture presents the ordinary product name and records what it sent (DESIGN §11).
 */
function browserIdentity(browser: Browser): Promise<BrowserIdentity> {
  let identity = identities.get(browser);
  if (!identity) {
    identity = Promise.all([browser.version(), browser.userAgent()]).then(([version, ua]) => ({
      version,
      userAgent: ua.replace('HeadlessChrome/', 'Chrome/'),
    }));
    identity.catch(() => identities.delete(browser));
    identities.set(browser, identity);
  }
  return identity;
}

type Failure = { code: ErrorCode; message: string };

class CaptureFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Maps Chromium's net error names to the capture's error codes. */
export function classifyNavigationError(message: string): ErrorCode {
  if (/ERR_TOO_MANY_REDIRECTS/.test(message)) return 'capture.redirect-loop';
  if (/ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED|ERR_DNS_/.test(message)) return 'capture.dns-failed';
  if (/ERR_CERT_|ERR_SSL_|ERR_BAD_SSL|ERR_TLS/.test(message)) return 'capture.tls-failed';
  if (
    /ERR_CONNECTION_|ERR_ADDRESS_|ERR_EMPTY_RESPONSE|ERR_NETWORK_CHANGED|ERR_TIMED_OUT|ERR_PROXY_|ERR_TUNNEL_|ERR_SOCKS_|ERR_INTERNET_DISCONNECTED/.test(
      message,
    )
  )
    return 'capture.connection-failed';
  if (/Target closed|Page crashed|crash/i.test(message)) return 'capture.renderer-crashed';
  return 'capture.navigation-failed';
}

/**
 * Drives one capture in a fresh incognito context and leaves its files in `workDir`. Page
 * problems never throw: they come back as `failed` (with a code) or `partial` (with warnings).
 * Only a broken caller (unusable workDir, browser gone) can make it throw.
 */
export async function runCapture(opts: RunCaptureOptions): Promise<RawCapture> {
  const { profile, clock } = opts;
  // Stage work stops on the caller's cancel and on a renderer crash alike; which of the two it
  // was is told apart afterwards by `crashed`.
  const crashAbort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, crashAbort.signal]) : crashAbort.signal;
  const t0 = Date.now();
  const startedAt = clock();
  const totalDeadline = t0 + profile.timeouts.totalMs;
  // Whatever happens before it, the archive stage keeps time to write what was recorded.
  const archiveReserve = Math.min(profile.timeouts.archiveMs, Math.floor(profile.timeouts.totalMs / 5));
  const warnings: CaptureWarning[] = [];
  const artifacts: RawArtifact[] = [];
  const stages: { stage: CaptureStage; elapsedMs: number; durationMs: number }[] = [];
  const warn = (code: string, message: string): void => {
    warnings.push({ code, message });
  };

  const identity = await browserIdentity(opts.browser);
  const version = identity.version;
  const [product = version, browserVersion = ''] = version.split('/');
  const base = {
    url: opts.url,
    browser: { product, version: browserVersion },
    viewport: {
      width: profile.viewport.width,
      height: profile.viewport.height,
      deviceScaleFactor: profile.viewport.deviceScaleFactor,
      isMobile: profile.viewport.isMobile,
    },
    locale: profile.locale,
    timeZone: profile.timeZone,
    proxy: profile.proxy,
    profile: profile.name,
  };

  let failure: Failure | null = null;
  try {
    checkCaptureUrl(opts.url, { allowPrivateNetwork: profile.allowPrivateNetwork });
  } catch (error) {
    failure = isAppError(error)
      ? { code: error.code, message: error.message }
      : { code: 'intake.bad-url', message: errorMessage(error) };
  }
  if (failure) {
    return {
      ...base,
      finalUrl: opts.url,
      outcome: 'failed',
      error: failure,
      startedAt: startedAt.toISOString(),
      finishedAt: clock().toISOString(),
      http: { status: null, headers: {}, remoteAddress: null, protocol: null },
      redirects: [],
      certificateErrorsIgnored: false,
      page: { title: '', lang: null, textLength: 0, outlinks: 0 },
      userAgent: profile.userAgent ?? identity.userAgent,
      artifacts: [],
      warnings: [],
      dialogs: [],
      popups: [],
      downloads: [],
      stages: [],
      network: { requests: 0, responses: 0, failed: 0, truncated: 0 },
    };
  }

  const userAgent = profile.userAgent ?? identity.userAgent;
  const context: BrowserContext = await opts.browser.createBrowserContext(
    profile.proxy ? { proxyServer: profile.proxy } : {},
  );
  let page: Page | null = null;
  let recorder: NetworkRecorder | null = null;
  let guard: HostileGuard | null = null;
  let crashed = false;
  let extract: PageExtract | null = null;
  let tls: TlsInfo | undefined;
  let certificateErrorsIgnored = false;
  let certificateError = '';
  let visibleChain: string[] | undefined;
  const consoleLog = {
    entries: [] as ReturnType<typeof recordConsole>['entries'],
    stop: (): void => undefined,
  };
  let archiveSummary = { requests: 0, responses: 0, failed: 0, truncated: 0 };
  let exchanges: readonly RecordedExchange[] = [];

  const stageStart = async (stage: CaptureStage, deadline: number): Promise<number> => {
    // The archive stage runs after a crash too: only the caller's cancel stops it.
    const stop = stage === 'archive' ? opts.signal : signal;
    if (stop?.aborted) throw new CancelledError();
    const elapsed = Date.now() - t0;
    stages.push({ stage, elapsedMs: elapsed, durationMs: 0 });
    if (opts.onStage) {
      try {
        await bounded(Promise.resolve(opts.onStage(stage, elapsed)), deadline, `${stage} progress`, stop);
      } catch (error) {
        if (error instanceof CancelledError) throw error;
      }
    }
    return Date.now();
  };
  const stageEnd = (started: number): void => {
    const last = stages[stages.length - 1];
    if (last) last.durationMs = Date.now() - started;
  };
  const stageDeadline = (ms: number, keepReserve: boolean): number =>
    Math.min(Date.now() + ms, totalDeadline - (keepReserve ? archiveReserve : 0));

  let session: CDPSession | null = null;
  try {
    page = await context.newPage();
    const p = page;
    p.on('error', () => {
      crashed = true;
      crashAbort.abort();
    });
    session = await p.createCDPSession();
    const s = session;
    // The visible security state carries the DER chain Chromium validated and, when the profile's
    // bypass let a bad certificate through, the error it ignored.
    s.on('Security.visibleSecurityStateChanged', (e) => {
      const state = e.visibleSecurityState.certificateSecurityState;
      if (!state) return;
      visibleChain = state.certificate;
      const error = state.certificateNetworkError;
      if (error) {
        certificateErrorsIgnored = true;
        certificateError = error;
      }
    });
    Object.assign(consoleLog, recordConsole(p, clock));
    guard = await guardPage({
      browser: opts.browser,
      context,
      page: p,
      session: s,
      clock,
      quarantineDir: await mkdtemp(path.join(os.tmpdir(), 'vigil-download-')),
    });
    // The rest is independent: each setting is a round trip, so they go out together; all are in
    // place before the navigation.
    const [recording] = await Promise.all([
      startNetworkRecorder(p, clock),
      s.send('Emulation.setDeviceMetricsOverride', {
        width: profile.viewport.width,
        height: profile.viewport.height,
        deviceScaleFactor: profile.viewport.deviceScaleFactor,
        mobile: profile.viewport.isMobile,
      }),
      profile.viewport.hasTouch
        ? s.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 })
        : null,
      s.send('Network.setUserAgentOverride', {
        userAgent,
        acceptLanguage: profile.acceptLanguage,
        platform: profile.viewport.isMobile ? 'Android' : 'Linux x86_64',
      }),
      s.send('Emulation.setTimezoneOverride', { timezoneId: profile.timeZone }),
      s.send('Emulation.setLocaleOverride', { locale: profile.locale }).catch(() => {
        warn('profile.locale', `Chromium refused the locale ${profile.locale}; the browser default was used`);
      }),
      profile.ignoreHttpsErrors ? s.send('Security.setIgnoreCertificateErrors', { ignore: true }) : null,
      s.send('Security.enable'),
    ]);
    recorder = recording;
    const rec = recorder;

    // 1. navigate
    {
      const deadline = stageDeadline(profile.timeouts.navigateMs, true);
      const started = await stageStart('navigate', deadline);
      let response: HTTPResponse | null = null;
      try {
        response = await bounded(
          p.goto(opts.url, { waitUntil: 'load', timeout: Math.max(1, deadline - Date.now()) }),
          deadline + 1_000,
          'navigation',
          signal,
        );
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        const message = errorMessage(error);
        const timedOut =
          error instanceof DeadlineError || (error instanceof Error && error.name === 'TimeoutError');
        const gotDocument = mainDocuments(rec.exchanges).some((ex) => ex.response !== null);
        if (crashed) throw new CaptureFailure('capture.renderer-crashed', 'The page crashed the renderer');
        if (timedOut && gotDocument) {
          warn(
            'navigate.timeout',
            `The page did not finish loading within ${profile.timeouts.navigateMs} ms`,
          );
        } else if (timedOut) {
          throw new CaptureFailure('capture.timeout', `No response within ${profile.timeouts.navigateMs} ms`);
        } else if (/net::ERR_ABORTED/.test(message) && guard.downloads.length > 0) {
          throw new CaptureFailure('capture.navigation-failed', 'The URL is a download, not a page');
        } else if (/navigated|detached|ERR_ABORTED/i.test(message) && gotDocument) {
          // The page replaced itself (client-side redirect) while loading: follow it in settle.
        } else {
          throw new CaptureFailure(classifyNavigationError(message), message);
        }
      }
      if (response === null && mainDocuments(rec.exchanges).length === 0) {
        throw new CaptureFailure('capture.navigation-failed', 'The browser made no request for the URL');
      }
      stageEnd(started);
    }

    // 2. settle: quiet network, then a bounded scroll-through for lazy content, then back to top.
    // A page that has requested something since its load event (timers, XHR, a client-side
    // redirect, lazy content found by the scroll) has shown that it loads late: it must be quiet
    // for the long window before the snapshot. A page that has not is snapshotted after a short
    // silence, and the snapshot is kept only if the page then stays quiet for the whole (shorter)
    // window; otherwise it is taken again once the page is quiet (stage 3).
    const loadedAt = rec.requests();
    const active = (): boolean => rec.requests() > loadedAt;
    const quietFor = (): number =>
      active() ? profile.timeouts.activeQuietMs : Math.min(FIRST_LOOK_MS, profile.timeouts.networkQuietMs);
    {
      const deadline = stageDeadline(profile.timeouts.settleMs, true);
      const started = await stageStart('settle', deadline);
      try {
        if (!(await rec.waitForQuiet(quietFor, deadline, signal))) {
          warn('settle.network-busy', `The network was still busy after ${profile.timeouts.settleMs} ms`);
        }
        // A client-side redirect replaces the document under the scroll: settle the new one.
        for (let attempt = 1; ; attempt += 1) {
          try {
            await scrollThrough(p, rec, profile, deadline, warn, signal);
            break;
          } catch (error) {
            if (attempt >= 3 || !/context was destroyed|navigat|detached/i.test(errorMessage(error)))
              throw error;
            await rec.waitForQuiet(quietFor, deadline, signal);
          }
        }
        if (!(await rec.waitForQuiet(quietFor, deadline, signal))) {
          if (!warnings.some((w) => w.code === 'settle.network-busy')) {
            warn('settle.network-busy', 'Requests were still in flight when the settle deadline passed');
          }
        }
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        if (crashed) throw new CaptureFailure('capture.renderer-crashed', 'The page crashed the renderer');
        warn('settle.incomplete', errorMessage(error));
      }
      stageEnd(started);
    }
    if (crashed) throw new CaptureFailure('capture.renderer-crashed', 'The page crashed the renderer');

    // 3. snapshot
    {
      const deadline = stageDeadline(profile.timeouts.snapshotMs, true);
      const started = await stageStart('snapshot', deadline);
      const take = (): Promise<Snapshot> =>
        takeSnapshot({
          page: p,
          session: s,
          workDir: opts.workDir,
          profile,
          deadline,
          ...(signal ? { signal } : {}),
          crashed: () => crashed,
        });
      const quietPage = !active();
      const before = rec.requests();
      // A page that starts polling now must not hold the snapshot longer than it could hold settle.
      const quietBy = Math.min(deadline, Date.now() + profile.timeouts.settleMs);
      const window = quietPage
        ? rec.waitForQuiet(
            () => (active() ? profile.timeouts.activeQuietMs : profile.timeouts.networkQuietMs),
            quietBy,
            signal,
          )
        : null;
      let snapshot = await take();
      if (window) {
        const quiet = await window;
        if (rec.requests() !== before && !crashed) {
          // The page loaded something while it was being snapshotted: what it shows may have
          // changed. Take it again, now that it has been quiet for the long window.
          await snapshot.discard();
          if (!quiet || !(await rec.waitForQuiet(quietFor, quietBy, signal))) {
            warn('settle.network-busy', 'Requests were still in flight when the snapshot was taken');
          }
          snapshot = await take();
        }
      }
      artifacts.push(...snapshot.artifacts);
      warnings.push(...snapshot.warnings);
      extract = snapshot.extract;
      if (crashed) warn('snapshot.renderer-crashed', 'The renderer crashed during the snapshot');
      stageEnd(started);
    }
  } catch (error) {
    if (crashed) failure = { code: 'capture.renderer-crashed', message: 'The page crashed the renderer' };
    else if (error instanceof CancelledError) failure = { code: 'capture.cancelled', message: error.message };
    else if (error instanceof CaptureFailure) failure = { code: error.code, message: error.message };
    else if (error instanceof DeadlineError) failure = { code: 'capture.timeout', message: error.message };
    else if (isAppError(error)) failure = { code: error.code, message: error.message };
    else if (!opts.browser.connected)
      failure = { code: 'capture.browser-crashed', message: errorMessage(error) };
    else failure = { code: 'capture.navigation-failed', message: errorMessage(error) };
  }

  // The guard settles what it saw (downloads are hashed), then the context goes; once only.
  let closing: Promise<boolean> | null = null;
  const release = (): Promise<boolean> => {
    closing ??= (async () => {
      if (guard) await bounded(guard.stop(), Date.now() + 2_000, 'guard').catch(() => undefined);
      consoleLog.stop();
      return bounded(context.close(), Date.now() + 10_000, 'closing the context')
        .then(() => true)
        .catch(() => false);
    })();
    return closing;
  };

  // 4. archive: runs whatever happened above, so a failed capture still keeps what was loaded.
  const finalUrl = extract ? extract.url : (page?.url() ?? opts.url);
  const docs = recorder ? mainDocuments(recorder.exchanges) : [];
  const finalDoc = [...docs].reverse().find((ex) => ex.response !== null && ex.redirectedTo === null) ?? null;
  const sentUa = finalDoc ? headerValue(finalDoc.requestHeaders, 'user-agent') : null;
  if (recorder && failure?.code !== 'capture.cancelled') {
    const deadline = Math.max(
      Date.now() + 1_000,
      Math.min(Date.now() + profile.timeouts.archiveMs, totalDeadline),
    );
    try {
      const started = await stageStart('archive', deadline);
      // Bodies still in flight get part of the archive time, never all of it: writing the WARC and WACZ
      // of what did arrive must not be starved. After a renderer crash nothing more will arrive.
      const bodiesBy = crashed ? Date.now() + 500 : Date.now() + Math.floor((deadline - Date.now()) * 0.6);
      exchanges = await recorder.stop(bodiesBy);
      const certificate = finalDoc?.response?.securityDetails;
      if (finalDoc && certificate && session) {
        tls = await readTlsInfo({
          session,
          url: finalDoc.url,
          details: certificate,
          deadline,
          ...(visibleChain ? { fallbackChain: visibleChain } : {}),
        });
        if (tls.chainPem) {
          const file = path.join(opts.workDir, 'certificate-chain.pem');
          await writeFile(file, tls.chainPem, { flag: 'wx' });
          artifacts.push({
            kind: 'certificate',
            name: 'certificate-chain.pem',
            mediaType: 'application/x-pem-file',
            file,
          });
        } else {
          warn('tls.chain-unavailable', 'Chromium did not return the certificate chain');
        }
      }
      // Nothing below needs the browser: it closes while the archive is written.
      void release();
      const pageDate = finalDoc?.wallTime ?? startedAt;
      const warcFile = path.join(opts.workDir, 'data.warc.gz');
      const warc = await writeWarc({
        file: warcFile,
        filename: 'data.warc.gz',
        exchanges,
        info: {
          software: SOFTWARE,
          userAgent: sentUa ?? userAgent,
          fields: { 'capture-profile': profile.name },
        },
        date: startedAt,
        gzip: true,
      });
      if (warc.responses > 0) {
        const waczFile = path.join(opts.workDir, 'capture.wacz');
        const ex = extract;
        await bounded(
          writeWacz({
            file: waczFile,
            warcFile,
            pages: [
              {
                url: finalDoc?.url ?? finalUrl,
                ts: pageDate,
                title: ex?.title ?? '',
                ...(ex ? { text: ex.text } : {}),
              },
            ],
            created: clock(),
            software: SOFTWARE,
            title: ex?.title || finalUrl,
          }),
          deadline,
          'WACZ',
        );
        artifacts.push({ kind: 'wacz', name: 'capture.wacz', mediaType: 'application/wacz', file: waczFile });
      }
      await rm(warcFile, { force: true });
      archiveSummary = {
        requests: exchanges.length,
        responses: warc.responses,
        failed: exchanges.filter((x) => x.failed !== null).length,
        truncated: warc.truncated,
      };
      // A download's body never reaches the page, so its empty WARC body is expected, not a loss.
      const downloadUrls = new Set((guard?.downloads ?? []).map((d) => d.url));
      const cut = exchanges.filter((x) => x.response && x.truncated && !downloadUrls.has(x.url)).length;
      if (cut > 0) {
        warn('archive.truncated', `${cut} response bodies were cut at the deadline or not kept by Chromium`);
      }
      stageEnd(started);
    } catch (error) {
      warn('archive.incomplete', errorMessage(error));
    }
  }

  const closed = await release();
  if (!closed) warn('browser.context-close', 'The browser context did not close within 10 s');

  // Hostile behaviour is data: summarise it so that a reviewer sees it without opening metadata.
  const ownFrames = new Set(exchanges.map((x) => x.frameId).filter((f): f is string => f !== null));
  const downloads = (guard?.downloads ?? [])
    .filter((d) => ownFrames.size === 0 || ownFrames.has(d.frameId))
    .map((d) => {
      if (d.sha256) return d;
      const body = exchanges.find((x) => x.url === d.url && x.body !== null && x.body.length > 0)?.body;
      return body ? { ...d, bytes: body.length, sha256: sha256Hex(body) } : d;
    });
  const dialogs = [...(guard?.dialogs ?? [])];
  const popups = [...(guard?.popups ?? [])];
  for (const d of dialogs) warn('hostile.dialog', `${d.type} dialog ${d.action}: ${d.message.slice(0, 200)}`);
  if (popups.length > 0) {
    warn(
      'hostile.popups',
      `${popups.length} popup(s) refused: ${popups
        .map((p) => p.url)
        .slice(0, 5)
        .join(', ')}`,
    );
  }
  for (const d of downloads) {
    warn(
      'hostile.download',
      `Download not kept: ${d.suggestedFilename} from ${d.url}` +
        (d.sha256 ? ` (${d.bytes} bytes, sha256 ${d.sha256})` : ' (body not seen)'),
    );
  }
  if (certificateErrorsIgnored) {
    warn(
      'tls.certificate-error-ignored',
      `The certificate was not trusted (${certificateError}); the capture profile let it through`,
    );
  }

  const redirects = buildRedirects(docs);
  const ex = extract;
  const metadata = {
    url: opts.url,
    finalUrl,
    title: ex?.title ?? '',
    lang: ex?.lang ?? null,
    dir: ex?.dir ?? null,
    canonical: ex?.canonical ?? null,
    meta: ex?.meta ?? [],
    openGraph: ex?.openGraph ?? {},
    outlinks: ex?.outlinks ?? [],
    redirects,
    dialogs,
    popups,
    downloads,
    failedRequests: exchanges
      .filter((x) => x.failed !== null)
      .map((x) => ({ url: x.url, error: x.failed, type: x.resourceType })),
  };
  await writeArtifact(artifacts, opts.workDir, 'metadata', 'metadata.json', 'application/json', metadata);
  if (consoleLog.entries.length > 0 || page) {
    await writeArtifact(
      artifacts,
      opts.workDir,
      'console',
      'console.json',
      'application/json',
      consoleLog.entries,
    );
  }

  const main = finalDoc?.response ?? null;
  let outcome: RawCapture['outcome'] = 'complete';
  if (failure) outcome = 'failed';
  else if (warnings.some((w) => isPartialWarning(w.code))) outcome = 'partial';
  if (!failure && !artifacts.some((a) => a.kind === 'screenshot')) outcome = 'partial';

  return {
    ...base,
    finalUrl,
    outcome,
    ...(failure ? { error: failure } : {}),
    startedAt: startedAt.toISOString(),
    finishedAt: clock().toISOString(),
    http: {
      status: main?.status ?? null,
      headers: main ? { ...main.headers } : {},
      remoteAddress: main?.remoteAddress
        ? `${main.remoteAddress}${main.remotePort !== null ? `:${main.remotePort}` : ''}`
        : null,
      protocol: main?.protocol ?? null,
    },
    redirects,
    ...(tls ? { tls } : {}),
    certificateErrorsIgnored,
    page: {
      title: ex?.title ?? '',
      lang: ex?.lang ?? null,
      textLength: ex?.text.length ?? 0,
      outlinks: ex?.outlinks.length ?? 0,
    },
    userAgent: sentUa ?? userAgent,
    artifacts,
    warnings,
    dialogs,
    popups,
    downloads,
    stages,
    network: archiveSummary,
  };
}

/** Warnings that mean something is missing from the record (as opposed to what the page tried). */
function isPartialWarning(code: string): boolean {
  return (
    !code.startsWith('hostile.') && code !== 'tls.certificate-error-ignored' && code !== 'profile.locale'
  );
}

async function writeArtifact(
  artifacts: RawArtifact[],
  dir: string,
  kind: ArtifactKind,
  name: string,
  mediaType: string,
  value: unknown,
): Promise<void> {
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(value, null, 2) + '\n', { flag: 'wx' });
  artifacts.push({ kind, name, mediaType, file });
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | null {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}

/** Main-frame document requests in order: the first is the one the capture asked for. */
function mainDocuments(exchanges: readonly RecordedExchange[]): RecordedExchange[] {
  const first = exchanges.find((x) => x.resourceType === 'Document');
  if (!first) return [];
  return exchanges.filter((x) => x.resourceType === 'Document' && x.frameId === first.frameId);
}

/** HTTP hops (3xx with Location) and client-side hops (a document replaced by another). */
export function buildRedirects(docs: readonly RecordedExchange[]): RedirectHop[] {
  const hops: RedirectHop[] = [];
  for (const [i, ex] of docs.entries()) {
    if (ex.redirectedTo !== null && ex.response) {
      hops.push({
        url: ex.url,
        status: ex.response.status,
        location: headerValue(ex.response.headers, 'location') ?? ex.redirectedTo,
        kind: 'http',
      });
      continue;
    }
    const next = docs[i + 1];
    if (next && ex.response && next.requestId !== ex.requestId) {
      hops.push({ url: ex.url, status: ex.response.status, location: next.url, kind: 'client' });
    }
  }
  return hops;
}
