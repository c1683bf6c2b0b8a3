import type { BrowserStage } from '@shared/domain/capture-stage';
import type { ErrorCode } from '@shared/errors/app-error';
import type { RestrictedSummary } from './media-withholding';
import type { DialogRecord, DownloadRecord, PopupRecord } from './hostile';
import type { CaptureWarning, RawArtifact } from './raw-artifact';
import type { OriginCertificate } from './origin-certificates';
import type { TlsInfo } from './tls-info';

/** What one capture found, before sealing puts its files in the blob store (`runCapture` returns it). */
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
  /** Every HTTPS origin the page loaded from, with its certificate and verdict. */
  certificates?: OriginCertificate[];
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
  stages: StageTiming[];
  network: NetworkSummary;
  /** The server address (IP:port) of every response of the load, as the WARC records it. */
  servers?: readonly ServerAddress[];
  /** Set on a restricted capture: which media were withheld and why (media-withholding.ts). */
  restricted?: RestrictedSummary;
}>;

export type ServerAddress = Readonly<{ url: string; status: number; address: string | null }>;

export type RedirectHop = Readonly<{
  url: string;
  status: number;
  location: string;
  kind: 'http' | 'client';
  /**
   * How the hop happened: `http` (a 3xx status with Location) on every HTTP hop; on a
   * client-side hop the browser's reason for it (a meta refresh or Refresh header, a form
   * submission, a script — from a timer, a load handler or inline). Absent on a client-side hop
   * whose reason Chromium did not report (records made before it was kept have none either).
   */
  via?: HopVia;
}>;

/** How a hop happened: an HTTP status with Location, a meta refresh, a script, a form submission. */
export type HopVia = 'http' | 'meta-refresh' | 'script' | 'form';

/** When a stage started (ms since the capture started) and how long it ran; 0 if it did not finish. */
export type StageTiming = { stage: BrowserStage; elapsedMs: number; durationMs: number };

/** What the archive stage wrote: every exchange of the load, and how many were lost or cut. */
export type NetworkSummary = { requests: number; responses: number; failed: number; truncated: number };
