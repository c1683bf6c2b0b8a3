import type { CaptureFailure } from './capture-failure';
import type { CaptureRun } from './capture-run';
import type { Landing } from './main-documents';
import type { RecordedResponse } from './network-recorder';
import { restrictedSummary, type RestrictedSummary } from './media-withholding';
import type { RawCapture } from './raw-capture';

/** The one place a capture's result is built, for every outcome, from what its steps left on the run. */
export function buildResult(run: CaptureRun, landing: Landing, failure: CaptureFailure | null): RawCapture {
  const { opts, identity } = run;
  const { profile } = opts;
  const [product = identity.version, browserVersion = ''] = identity.version.split('/');
  const ex = run.extract;
  return {
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
    finalUrl: landing.finalUrl,
    outcome: outcomeOf(run, failure),
    ...(failure ? { error: failure } : {}),
    startedAt: run.startedAt.toISOString(),
    finishedAt: opts.clock().toISOString(),
    http: httpOf(landing.finalDocument?.response ?? null),
    redirects: run.redirects,
    ...(run.tls ? { tls: run.tls } : {}),
    ...(run.certificates.length > 0 ? { certificates: run.certificates } : {}),
    certificateErrorsIgnored: run.security.certificateErrorsIgnored,
    page: {
      title: ex?.title ?? '',
      lang: ex?.lang ?? null,
      textLength: ex?.text.length ?? 0,
      outlinks: ex?.outlinks.length ?? 0,
    },
    userAgent: landing.sentUserAgent ?? run.userAgent,
    artifacts: run.artifacts,
    warnings: run.warnings,
    dialogs: run.dialogs,
    popups: run.popups,
    downloads: run.downloads,
    stages: run.stages,
    network: run.network,
    servers: serversOf(run),
    ...restrictedOf(run),
  };
}

function restrictedOf(run: CaptureRun): { restricted?: RestrictedSummary } {
  const summary = run.withholding ? restrictedSummary(run.withholding) : null;
  return summary ? { restricted: summary } : {};
}

/** `failed` with a failure; `partial` when something is missing from the record; else `complete`. */
function outcomeOf(run: CaptureRun, failure: CaptureFailure | null): RawCapture['outcome'] {
  if (failure) return 'failed';
  if (run.warnings.some((w) => isPartialWarning(w.code))) return 'partial';
  // A restricted capture whose policy takes no screenshot lacks none it should have.
  const noShotsByPolicy =
    run.withholding?.restricted() === true && run.withholding.policy.screenshots === 'none';
  if (!noShotsByPolicy && !run.artifacts.some((a) => a.kind === 'screenshot')) return 'partial';
  return 'complete';
}

/** Warnings that mean something is missing from the record (as opposed to what the page tried). */
function isPartialWarning(code: string): boolean {
  return (
    !code.startsWith('hostile.') &&
    // A certificate error is evidence about the site, not something missing from the record.
    !code.startsWith('tls.certificate-') &&
    code !== 'document.raw-decoded' &&
    code !== 'profile.locale'
  );
}

/** The main document's response as the record states it (`address:port`). */
function httpOf(main: RecordedResponse | null): RawCapture['http'] {
  return {
    status: main?.status ?? null,
    headers: main ? { ...main.headers } : {},
    remoteAddress: main?.remoteAddress
      ? `${main.remoteAddress}${main.remotePort !== null ? `:${main.remotePort}` : ''}`
      : null,
    protocol: main?.protocol ?? null,
  };
}

/** Every recorded response with the address it came from (`ip:port`, IPv6 in brackets), in load order. */
function serversOf(run: CaptureRun): NonNullable<RawCapture['servers']> {
  return run.exchanges.flatMap((x) => {
    const res = x.response;
    if (!res) return [];
    const ip = res.remoteAddress;
    const host = ip && ip.includes(':') && !ip.startsWith('[') ? `[${ip}]` : ip;
    const address = host ? `${host}${res.remotePort !== null ? `:${res.remotePort}` : ''}` : null;
    return [{ url: x.url, status: res.status, address }];
  });
}
