import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '@shared/errors/app-error';
import type { CaptureFailure } from './capture-failure';
import { timedStage } from './capture-run';
import type { CaptureRun } from './capture-run';
import { bounded } from './deadline';
import { applyGuard } from './guarded-context';
import type { BlockedRequest } from './guarded-context';
import type { Landing } from './main-documents';
import type { NetworkRecorder, RecordedExchange } from './network-recorder';
import { collectOriginCertificates } from './origin-certificates';
import { withholdMedia } from './media-withdrawal';
import { keepRawDocument } from './raw-document';
import { releaseBrowser } from './stage-prepare';
import { readTlsInfo } from './tls-info';
import { writeWacz } from './wacz-writer';
import { writeWarc } from './warc-writer';

const SOFTWARE = 'Vigil capture engine';

/**
 * Stage 4, archive: runs whatever happened before it (unless the caller cancelled), so a failed
 * capture still keeps what was loaded: the certificate chain, and every exchange as WARC records
 * packaged as a WACZ. What it cannot finish is a warning, never a failure.
 */
export async function archiveStage(
  run: CaptureRun,
  landing: Landing,
  failure: CaptureFailure | null,
): Promise<void> {
  const { recorder } = run;
  if (!recorder || failure?.code === 'capture.cancelled') return;
  const { archiveMs } = run.opts.profile.timeouts;
  const deadline = Math.max(Date.now() + 1_000, Math.min(Date.now() + archiveMs, run.totalDeadline));
  try {
    await timedStage(run, 'archive', deadline, () => archive(run, recorder, landing, deadline));
  } catch (error) {
    run.warn('archive.incomplete', errorMessage(error));
  }
}

async function archive(
  run: CaptureRun,
  recorder: NetworkRecorder,
  landing: Landing,
  deadline: number,
): Promise<void> {
  // Bodies still in flight get part of the archive time, never all of it: writing the WARC and WACZ
  // of what did arrive must not be starved. After a renderer crash nothing more will arrive.
  const bodiesBy = run.crashed ? Date.now() + 500 : Date.now() + Math.floor((deadline - Date.now()) * 0.6);
  const exchanges = await recorder.stop(bodiesBy);
  // Before anything is written: withheld media lose their bytes here (media-withholding.ts).
  if (run.withholding) await withholdMedia(run, run.withholding, exchanges);
  const blocked = applyGuard(run, exchanges);
  run.exchanges = exchanges;
  await keepCertificateChain(run, landing, deadline);
  run.certificates = await collectOriginCertificates(
    run,
    exchanges,
    landing.finalDocument ? { url: landing.finalDocument.url, tls: run.tls } : null,
    deadline,
  );
  await keepRawDocument(run, landing);
  // Nothing below needs the browser: it closes while the archive is written.
  void releaseBrowser(run);
  const warc = await writeArchiveFiles(run, landing, exchanges, deadline, blocked);
  run.network = {
    requests: exchanges.length,
    responses: warc.responses,
    failed: exchanges.filter((x) => x.failed !== null).length,
    truncated: warc.truncated,
  };
  // A download's body never reaches the page, so its empty WARC body is expected, not a loss.
  const downloadUrls = new Set((run.guard?.downloads ?? []).map((d) => d.url));
  const cut = exchanges.filter((x) => x.response && x.truncated && !downloadUrls.has(x.url)).length;
  if (cut > 0) {
    run.warn('archive.truncated', `${cut} response bodies were cut at the deadline or not kept by Chromium`);
  }
}

/** The TLS details and certificate chain of the document the capture landed on, when it came over TLS. */
async function keepCertificateChain(run: CaptureRun, landing: Landing, deadline: number): Promise<void> {
  const { finalDocument } = landing;
  const certificate = finalDocument?.response?.securityDetails;
  if (!finalDocument || !certificate || !run.session) return;
  const { visibleChain } = run.security;
  const tls = await readTlsInfo({
    session: run.session,
    url: finalDocument.url,
    details: certificate,
    // The visible security state names the net error; a page that left before it came still has
    // Chromium's verdict on the response.
    browserError:
      run.security.certificateError ||
      (finalDocument.response?.securityState === 'insecure'
        ? 'Chromium marked the connection insecure'
        : null),
    at: run.startedAt,
    deadline,
    ...(visibleChain ? { fallbackChain: visibleChain } : {}),
  });
  run.tls = tls;
  if (!tls.chainPem) {
    run.warn('tls.chain-unavailable', 'Chromium did not return the certificate chain');
    return;
  }
  const file = path.join(run.opts.workDir, 'certificate-chain.pem');
  await writeFile(file, tls.chainPem, { flag: 'wx' });
  run.artifacts.push({
    kind: 'certificate',
    name: 'certificate-chain.pem',
    mediaType: 'application/x-pem-file',
    file,
  });
}

/**
 * The WARC of every exchange and, when anything answered, the WACZ that packages it (the WARC
 * itself is not kept apart). Returns the WARC writer's counts.
 */
async function writeArchiveFiles(
  run: CaptureRun,
  landing: Landing,
  exchanges: readonly RecordedExchange[],
  deadline: number,
  blocked: readonly BlockedRequest[],
): Promise<Readonly<{ responses: number; truncated: number }>> {
  const { workDir, profile, clock } = run.opts;
  const { finalDocument, finalUrl } = landing;
  const pageDate = finalDocument?.wallTime ?? run.startedAt;
  const warcFile = path.join(workDir, 'data.warc.gz');
  const warc = await writeWarc({
    file: warcFile,
    filename: 'data.warc.gz',
    exchanges,
    info: {
      software: SOFTWARE,
      operator: run.opts.operator ?? 'not recorded (capture run without an operator)',
      ...(run.opts.workstation ? { hostname: run.opts.workstation } : {}),
      userAgent: landing.sentUserAgent ?? run.userAgent,
      fields: { 'capture-profile': profile.name },
    },
    date: run.startedAt,
    gzip: true,
    blocked,
  });
  if (warc.responses > 0) {
    const waczFile = path.join(workDir, 'capture.wacz');
    const ex = run.extract;
    await bounded(
      writeWacz({
        file: waczFile,
        warcFile,
        pages: [
          {
            url: finalDocument?.url ?? finalUrl,
            ts: pageDate,
            title: ex?.title ?? '',
            ...(ex ? { text: ex.text } : {}),
          },
        ],
        created: clock(),
        software: SOFTWARE,
        title: ex?.title || finalUrl,
        ...(run.opts.waczSigner ? { signer: run.opts.waczSigner } : {}),
      }),
      deadline,
      'WACZ',
    );
    run.artifacts.push({ kind: 'wacz', name: 'capture.wacz', mediaType: 'application/wacz', file: waczFile });
  }
  await rm(warcFile, { force: true });
  return warc;
}
