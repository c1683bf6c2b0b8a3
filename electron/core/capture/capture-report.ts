import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { certificateErrorPolicy } from './capture-profile';
import type { CaptureRun } from './capture-run';
import type { DownloadRecord } from './hostile';
import { buildRedirects } from './main-documents';
import type { Landing } from './main-documents';
import type { ArtifactKind } from './raw-artifact';
import { sha256Hex } from './wacz-writer';

/**
 * After the browser is closed: what the page tried (dialogs, popups, downloads) and an ignored
 * certificate error become warnings, and the page's metadata and console log become files.
 */
export async function writeReport(run: CaptureRun, landing: Landing): Promise<void> {
  reportHostile(run);
  reportCertificates(run, landing);
  run.redirects = buildRedirects(landing.documents, landing.vias);
  await writeMetadata(run, landing);
  if (run.consoleLog.entries.length > 0 || run.page) {
    await writeJsonArtifact(run, 'console', 'console.json', run.consoleLog.entries);
  }
}

/**
 * A certificate error is evidence either way, and the warning says what happened: the page was
 * captured despite it (profile `certificateErrors: 'record'`), or it was refused and not loaded.
 * Other origins of the page with a certificate error are named too.
 */
function reportCertificates(run: CaptureRun, landing: Landing): void {
  const { certificateError, certificateErrorsIgnored } = run.security;
  const main = run.tls;
  const refused = certificateErrorPolicy(run.opts.profile) === 'refuse' ? refusedBy(run, landing) : null;
  if (certificateErrorsIgnored || (main && !main.valid)) {
    run.warn(
      'tls.certificate-error-ignored',
      `The certificate was not trusted (${main?.error ?? certificateError}); the page was captured anyway ` +
        `and the error, the chain as presented and tls.valid: false are recorded (capture profile: certificateErrors record)`,
    );
  } else if (refused) {
    run.warn(
      'tls.certificate-refused',
      `The certificate was not trusted (${refused}); the capture profile refuses such pages ` +
        `(certificateErrors refuse), so the page was not loaded`,
    );
  }
  const mainOrigin = landing.finalDocument ? new URL(landing.finalDocument.url).origin : null;
  const others = run.certificates.filter((c) => !c.valid && c.origin !== mainOrigin);
  if (others.length > 0) {
    run.warn(
      'tls.certificate-error-origins',
      `${others.length} other origin(s) of the page presented an untrusted certificate: ` +
        others
          .slice(0, 5)
          .map((c) => `${c.origin} (${c.error ?? 'invalid'})`)
          .join(', '),
    );
  }
}

/**
 * The certificate error a refused page failed with: the visible security state's when it came in
 * time, else the net error its document request failed with (the navigation can end first).
 */
function refusedBy(run: CaptureRun, landing: Landing): string | null {
  if (run.security.certificateError) return run.security.certificateError;
  const failed = landing.documents.find((d) => /ERR_CERT_|ERR_SSL_|ERR_BAD_SSL/.test(d.failed ?? ''));
  return failed?.failed ?? null;
}

/** Hostile behaviour is data: summarise it so that a reviewer sees it without opening metadata. */
function reportHostile(run: CaptureRun): void {
  run.downloads = ownDownloads(run);
  run.dialogs = [...(run.guard?.dialogs ?? [])];
  run.popups = [...(run.guard?.popups ?? [])];
  for (const d of run.dialogs) {
    run.warn('hostile.dialog', `${d.type} dialog ${d.action}: ${d.message.slice(0, 200)}`);
  }
  if (run.popups.length > 0) {
    run.warn(
      'hostile.popups',
      `${run.popups.length} popup(s) refused: ${run.popups
        .map((p) => p.url)
        .slice(0, 5)
        .join(', ')}`,
    );
  }
  for (const d of run.downloads) {
    run.warn(
      'hostile.download',
      `Download not kept: ${d.suggestedFilename} from ${d.url}` +
        (d.sha256 ? ` (${d.bytes} bytes, sha256 ${d.sha256})` : ' (body not seen)'),
    );
  }
}

/** The downloads this capture's frames started, hashed from the recorded body where the guard could not. */
function ownDownloads(run: CaptureRun): DownloadRecord[] {
  const { exchanges } = run;
  const ownFrames = new Set(exchanges.map((x) => x.frameId).filter((f): f is string => f !== null));
  return (run.guard?.downloads ?? [])
    .filter((d) => ownFrames.size === 0 || ownFrames.has(d.frameId))
    .map((d) => {
      if (d.sha256) return d;
      const body = exchanges.find((x) => x.url === d.url && x.body !== null && x.body.length > 0)?.body;
      return body ? { ...d, bytes: body.length, sha256: sha256Hex(body) } : d;
    });
}

async function writeMetadata(run: CaptureRun, landing: Landing): Promise<void> {
  const ex = run.extract;
  await writeJsonArtifact(run, 'metadata', 'metadata.json', {
    url: run.opts.url,
    finalUrl: landing.finalUrl,
    title: ex?.title ?? '',
    lang: ex?.lang ?? null,
    dir: ex?.dir ?? null,
    canonical: ex?.canonical ?? null,
    meta: ex?.meta ?? [],
    openGraph: ex?.openGraph ?? {},
    outlinks: ex?.outlinks ?? [],
    redirects: run.redirects,
    dialogs: run.dialogs,
    popups: run.popups,
    downloads: run.downloads,
    failedRequests: run.exchanges
      .filter((x) => x.failed !== null)
      .map((x) => ({ url: x.url, error: x.failed, type: x.resourceType })),
  });
}

async function writeJsonArtifact(
  run: CaptureRun,
  kind: ArtifactKind,
  name: string,
  value: unknown,
): Promise<void> {
  const file = path.join(run.opts.workDir, name);
  await writeFile(file, JSON.stringify(value, null, 2) + '\n', { flag: 'wx' });
  run.artifacts.push({ kind, name, mediaType: 'application/json', file });
}
