import type { CaptureRun } from './capture-run';
import type { RecordedExchange } from './network-recorder';
import { pageWatchOf } from './page-watch';
import type { HopVia, RedirectHop } from './raw-capture';

/**
 * Where the capture landed, read when the browser stages are over and before the archive stage
 * stops the recorder: the documents of the main frame, the one that answered last and the
 * User-Agent header it was asked for with.
 */
export type Landing = Readonly<{
  finalUrl: string;
  documents: readonly RecordedExchange[];
  finalDocument: RecordedExchange | null;
  sentUserAgent: string | null;
  /** How the page's client-side hops were triggered, by the URL each asked for (page-watch.ts). */
  vias: ReadonlyMap<string, HopVia>;
}>;

export function landingOf(run: CaptureRun): Landing {
  const finalUrl = run.extract ? run.extract.url : (run.page?.url() ?? run.opts.url);
  const documents = run.recorder ? mainDocuments(run.recorder.exchanges) : [];
  const finalDocument =
    [...documents].reverse().find((ex) => ex.response !== null && ex.redirectedTo === null) ?? null;
  const sentUserAgent = finalDocument ? headerValue(finalDocument.requestHeaders, 'user-agent') : null;
  const vias = new Map(pageWatchOf(run)?.vias ?? []);
  return { finalUrl, documents, finalDocument, sentUserAgent, vias };
}

export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | null {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}

/** Main-frame document requests in order: the first is the one the capture asked for. */
export function mainDocuments(exchanges: readonly RecordedExchange[]): RecordedExchange[] {
  const first = exchanges.find((x) => x.resourceType === 'Document');
  if (!first) return [];
  return exchanges.filter((x) => x.resourceType === 'Document' && x.frameId === first.frameId);
}

/** HTTP hops (3xx with Location) and client-side hops (a document replaced by another), with how each happened where known. */
export function buildRedirects(
  docs: readonly RecordedExchange[],
  vias: ReadonlyMap<string, HopVia> = new Map(),
): RedirectHop[] {
  const hops: RedirectHop[] = [];
  for (const [i, ex] of docs.entries()) {
    if (ex.redirectedTo !== null && ex.response) {
      hops.push({
        url: ex.url,
        status: ex.response.status,
        location: headerValue(ex.response.headers, 'location') ?? ex.redirectedTo,
        kind: 'http',
        via: 'http',
      });
      continue;
    }
    const next = docs[i + 1];
    if (next && ex.response && next.requestId !== ex.requestId) {
      const via = vias.get(next.url);
      hops.push({
        url: ex.url,
        status: ex.response.status,
        location: next.url,
        kind: 'client',
        ...(via ? { via } : {}),
      });
    }
  }
  return hops;
}
