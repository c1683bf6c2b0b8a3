import type { Browser, BrowserContext, CDPSession, Page } from 'puppeteer-core';
import type { BrowserStage } from '@shared/domain/capture-stage';
import type { CaptureProfile } from './capture-profile';
import { CancelledError, bounded } from './deadline';
import type { DialogRecord, DownloadRecord, HostileGuard, PopupRecord } from './hostile';
import type { Resolver } from '../intake/address-policy';
import { startWithholding } from './media-withholding';
import type { MediaPolicy, MediaWithholding } from './media-withholding';
import type { NetworkGuard } from './network-guard';
import type { NetworkRecorder, RecordedExchange } from './network-recorder';
import type { OriginCertificate } from './origin-certificates';
import type { ConsoleLog, PageExtract } from './page-extract';
import type { CaptureWarning, RawArtifact } from './raw-artifact';
import type { NetworkSummary, RedirectHop, StageTiming } from './raw-capture';
import type { TlsInfo } from './tls-info';
import type { WaczSigner } from './wacz-signing';

export type RunCaptureOptions = {
  browser: Browser;
  url: string;
  profile: CaptureProfile;
  workDir: string;
  clock: () => Date;
  signal?: AbortSignal;
  /** Progress; a returned promise is awaited (bounded by the stage deadline) before the stage runs. */
  onStage?: (stage: BrowserStage, elapsedMs: number) => void | Promise<void>;
  /** Who runs the capture and on which workstation: named in the WARC's warcinfo record. */
  operator?: string;
  workstation?: string;
  /** The workstation key that signs the WACZ, so that a WACZ sent alone can be checked. */
  waczSigner?: WaczSigner;
  /** DNS for the private-network policy (request-policy.ts); the system resolver by default. */
  resolve?: Resolver;
  /** Restricted capture and known-hash matching of media (media-withholding.ts); none: media are kept. */
  media?: MediaPolicy;
};

type BrowserIdentity = Readonly<{ version: string; userAgent: string }>;

/** What the page's visible security state said; prepare listens, archive and the report read it. */
export type SecurityState = {
  /** The DER chain Chromium validated (base64), the fallback when the certificate cannot be read. */
  visibleChain: string[] | undefined;
  certificateErrorsIgnored: boolean;
  /** The certificate error the profile's bypass let through. */
  certificateError: string;
};

/** The browser side after prepare succeeded: what navigate, settle and snapshot drive. */
export type LivePage = Readonly<{
  page: Page;
  session: CDPSession;
  guard: HostileGuard;
  recorder: NetworkRecorder;
}>;

/**
 * The state of one capture, shared by its stages (run-capture.ts runs them in order). Each group of
 * fields is added by the step named above it and read by the steps after it; no other capture state
 * exists. The browser-side fields are set as soon as each part exists, so that what a failed
 * prepare left behind is still closed, archived and reported.
 */
export type CaptureRun = {
  // startRun: the request, its clocks and deadlines.
  readonly opts: RunCaptureOptions;
  /** `Date.now()` at the start: stage timings and deadlines count from it (never recorded). */
  readonly t0: number;
  /** The recorded start, from the injected clock. */
  readonly startedAt: Date;
  readonly totalDeadline: number;
  /** Whatever happens before it, the archive stage keeps this much time to write what was recorded. */
  readonly archiveReserve: number;
  /**
   * Navigate and settle stop this much before the archive's reserve, so that even a short overall
   * deadline (`--timeout 10` on a page of 5,000 images) leaves time for the screenshots.
   */
  readonly snapshotReserve: number;
  /**
   * Stage work stops on the caller's cancel and on a renderer crash alike; which of the two it
   * was is told apart afterwards by `crashed`.
   */
  readonly signal: AbortSignal;
  readonly crashAbort: AbortController;
  readonly identity: BrowserIdentity;
  /** The user agent the profile presents (the one actually sent is read from the main document). */
  readonly userAgent: string;

  /** Which media are withheld (media-withholding.ts); null when the capture has no media policy. */
  readonly withholding: MediaWithholding | null;

  // Every step adds to these.
  readonly warnings: CaptureWarning[];
  readonly warn: (code: string, message: string) => void;
  readonly artifacts: RawArtifact[];
  readonly stages: StageTiming[];

  // prepare (stage-prepare.ts); `crashed` is set by the page's error handler.
  /** The private-network guard every connection of the context goes through (network-guard.ts). */
  netGuard: NetworkGuard | null;
  context: BrowserContext | null;
  page: Page | null;
  session: CDPSession | null;
  guard: HostileGuard | null;
  recorder: NetworkRecorder | null;
  consoleLog: ConsoleLog;
  readonly security: SecurityState;
  crashed: boolean;
  /** Set once the context is being closed (releaseBrowser), so that it is closed once only. */
  closing: Promise<boolean> | null;

  // snapshot (stage-snapshot.ts).
  extract: PageExtract | null;

  // archive (stage-archive.ts).
  exchanges: readonly RecordedExchange[];
  tls: TlsInfo | null;
  /** Every HTTPS origin the page loaded from, with its certificate (origin-certificates.ts). */
  certificates: OriginCertificate[];
  network: NetworkSummary;

  // report (capture-report.ts).
  redirects: RedirectHop[];
  dialogs: DialogRecord[];
  popups: PopupRecord[];
  downloads: DownloadRecord[];
};

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

/** The run state before anything has been opened: clocks, deadlines, the browser's identity. */
export async function startRun(opts: RunCaptureOptions): Promise<CaptureRun> {
  const { profile, clock } = opts;
  const crashAbort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, crashAbort.signal]) : crashAbort.signal;
  const t0 = Date.now();
  const startedAt = clock();
  const warnings: CaptureWarning[] = [];
  const identity = await browserIdentity(opts.browser);
  return {
    opts,
    t0,
    startedAt,
    totalDeadline: t0 + profile.timeouts.totalMs,
    archiveReserve: Math.min(profile.timeouts.archiveMs, Math.floor(profile.timeouts.totalMs / 5)),
    snapshotReserve: Math.min(profile.timeouts.snapshotMs, Math.floor(profile.timeouts.totalMs / 4)),
    signal,
    crashAbort,
    identity,
    userAgent: profile.userAgent ?? identity.userAgent,
    withholding: opts.media ? startWithholding(opts.media) : null,
    warnings,
    warn: (code, message) => {
      warnings.push({ code, message });
    },
    artifacts: [],
    stages: [],
    netGuard: null,
    context: null,
    page: null,
    session: null,
    guard: null,
    recorder: null,
    consoleLog: { entries: [], stop: () => undefined },
    security: { visibleChain: undefined, certificateErrorsIgnored: false, certificateError: '' },
    crashed: false,
    closing: null,
    extract: null,
    exchanges: [],
    tls: null,
    certificates: [],
    network: { requests: 0, responses: 0, failed: 0, truncated: 0 },
    redirects: [],
    dialogs: [],
    popups: [],
    downloads: [],
  };
}

/**
 * The deadline of navigate and settle: their own time, but never into the time kept for the
 * snapshot and the archive.
 */
export function stageDeadline(run: CaptureRun, ms: number): number {
  return Math.min(Date.now() + ms, run.totalDeadline - run.archiveReserve - run.snapshotReserve);
}

/** The snapshot's deadline: its own time, but never into the archive stage's reserve. */
export function snapshotDeadline(run: CaptureRun): number {
  return Math.min(Date.now() + run.opts.profile.timeouts.snapshotMs, run.totalDeadline - run.archiveReserve);
}

/**
 * Runs one stage: records when it started, reports it (the report is bounded by the stage's
 * deadline; only a cancel ends the stage there), runs `work` and records how long it took. A stage
 * whose work throws keeps a duration of 0.
 */
export async function timedStage(
  run: CaptureRun,
  stage: BrowserStage,
  deadline: number,
  work: () => Promise<void>,
): Promise<void> {
  const started = await beginStage(run, stage, deadline);
  await work();
  const last = run.stages[run.stages.length - 1];
  if (last) last.durationMs = Date.now() - started;
}

async function beginStage(run: CaptureRun, stage: BrowserStage, deadline: number): Promise<number> {
  // The archive stage runs after a crash too: only the caller's cancel stops it.
  const stop = stage === 'archive' ? run.opts.signal : run.signal;
  if (stop?.aborted) throw new CancelledError();
  const elapsed = Date.now() - run.t0;
  run.stages.push({ stage, elapsedMs: elapsed, durationMs: 0 });
  if (run.opts.onStage) {
    try {
      await bounded(Promise.resolve(run.opts.onStage(stage, elapsed)), deadline, `${stage} progress`, stop);
    } catch (error) {
      if (error instanceof CancelledError) throw error;
    }
  }
  return Date.now();
}
