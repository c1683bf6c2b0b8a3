import { CDPSessionEvent } from 'puppeteer-core';
import type { CDPSession, Page, Protocol } from 'puppeteer-core';
import type { WithheldItem } from './media-withholding';

export type RecordedResponse = Readonly<{
  status: number;
  statusText: string;
  /** Raw headers as received (from the extra-info event when Chromium sent one). */
  headers: Readonly<Record<string, string>>;
  mimeType: string;
  remoteAddress: string | null;
  remotePort: number | null;
  protocol: string | null;
  securityDetails: Protocol.Network.SecurityDetails | null;
  /** Chromium's verdict on the connection (`secure`, `insecure`, `insecure-broken`…); null if not given. */
  securityState: string | null;
  fromCache: boolean;
}>;

export type RecordedExchange = {
  /** Chromium's request id; redirect hops share it, so `hop` tells them apart. */
  requestId: string;
  hop: number;
  url: string;
  method: string;
  resourceType: string;
  frameId: string | null;
  loaderId: string;
  /** Headers actually sent on the wire when known (cookies, UA), else what the page asked for. */
  requestHeaders: Record<string, string>;
  postData: Buffer | null;
  wallTime: Date;
  response: RecordedResponse | null;
  body: Buffer | null;
  /** Why the body is incomplete, in WARC-Truncated terms; null when complete. */
  truncated: 'time' | 'unspecified' | null;
  redirectedTo: string | null;
  failed: string | null;
  finished: boolean;
  session: CDPSession;
  /** Set when restricted capture dropped this medium's body (media-withholding.ts): the WARC keeps its digests only. */
  withheld?: WithheldItem;
};

export type NetworkRecorder = {
  readonly exchanges: readonly RecordedExchange[];
  inFlight(): number;
  /** How many requests have started so far (redirect hops included). */
  requests(): number;
  /**
   * True once nothing is in flight and the network has been silent for `quietMs`, or once it has
   * been silent for STALL_MS with requests still open (a never-ending response must not hold the
   * capture); false when `deadline` passes first. A function is asked again on every look, so the
   * window can grow when the page turns out to be busy.
   */
  waitForQuiet(quietMs: number | (() => number), deadline: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * Stops listening: completes bodies of finished responses and takes whatever has arrived of
   * those still in flight (marked truncated). Never waits past `deadline`.
   */
  stop(deadline: number): Promise<readonly RecordedExchange[]>;
  detach(): Promise<void>;
};

type ExtraRequest = Protocol.Network.RequestWillBeSentExtraInfoEvent;
type ExtraResponse = Protocol.Network.ResponseReceivedExtraInfoEvent;

/** Open requests that have shown no activity for this long no longer count as loading. */
const STALL_MS = 2_000;

const BODY_BUFFER = { maxTotalBufferSize: 512 * 1024 * 1024, maxResourceBufferSize: 128 * 1024 * 1024 };

function toBuffer(data: string, base64: boolean): Buffer {
  return base64 ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
}

/**
 * Records every request of a page and of its frames and workers, each on its own CDP session
 * (DESIGN §11): cross-site iframes report `loadingFinished` on the child session, so exchanges are
 * keyed by request id across sessions and a body is fetched from the session that finished it.
 */
export async function startNetworkRecorder(page: Page, clock: () => Date): Promise<NetworkRecorder> {
  const exchanges: RecordedExchange[] = [];
  const current = new Map<string, RecordedExchange>();
  const extraRequests = new Map<string, ExtraRequest[]>();
  const extraResponses = new Map<string, ExtraResponse[]>();
  const bodyJobs: Promise<void>[] = [];
  const sessions: CDPSession[] = [];
  const streaming = new Set<string>();
  let lastActivity = Date.now();
  let requestCount = 0;
  let stopped = false;

  const touch = (): void => {
    lastActivity = Date.now();
  };

  const inFlightCount = (): number => {
    let n = 0;
    for (const ex of current.values()) if (!ex.finished) n += 1;
    return n;
  };

  /** Reads of the page's own session that failed are asked again here (see keepBodiesInBrowser). */
  let keeper: { of: CDPSession; session: CDPSession } | null = null;
  const fetchBody = (ex: RecordedExchange, session: CDPSession): void => {
    const read = (from: CDPSession): Promise<Buffer> =>
      from
        .send('Network.getResponseBody', { requestId: ex.requestId })
        .then((r) => toBuffer(r.body, r.base64Encoded));
    bodyJobs.push(
      read(session)
        .catch((error: unknown) => {
          if (keeper?.of !== session) throw error;
          return read(keeper.session);
        })
        .then((body) => {
          ex.body = body;
        })
        .catch(() => {
          // Chromium drops bodies of e.g. aborted or evicted resources: kept as a marked gap.
          ex.truncated = 'unspecified';
        }),
    );
  };

  const attach = async (session: CDPSession, isChild: boolean): Promise<void> => {
    sessions.push(session);
    session.on('Network.requestWillBeSent', (e) => {
      if (stopped) return;
      touch();
      const previous = current.get(e.requestId);
      if (previous && e.redirectResponse) {
        previous.response = toResponse(e.redirectResponse);
        previous.redirectedTo = e.request.url;
        previous.body = Buffer.alloc(0);
        previous.finished = true;
      }
      const ex: RecordedExchange = {
        requestId: e.requestId,
        hop: previous ? previous.hop + 1 : 0,
        url: e.request.url,
        method: e.request.method,
        resourceType: e.type ?? 'Other',
        frameId: e.frameId ?? null,
        loaderId: e.loaderId,
        requestHeaders: { ...e.request.headers },
        postData: e.request.postData === undefined ? null : Buffer.from(e.request.postData, 'utf8'),
        wallTime: new Date(e.wallTime * 1000),
        response: null,
        body: null,
        truncated: null,
        redirectedTo: null,
        failed: null,
        finished: false,
        session,
      };
      if (Number.isNaN(ex.wallTime.getTime())) ex.wallTime = clock();
      current.set(e.requestId, ex);
      exchanges.push(ex);
      requestCount += 1;
    });
    session.on('Network.requestWillBeSentExtraInfo', (e) => {
      const list = extraRequests.get(e.requestId) ?? [];
      list.push(e);
      extraRequests.set(e.requestId, list);
    });
    session.on('Network.responseReceivedExtraInfo', (e) => {
      const list = extraResponses.get(e.requestId) ?? [];
      list.push(e);
      extraResponses.set(e.requestId, list);
    });
    session.on('Network.responseReceived', (e) => {
      touch();
      const ex = current.get(e.requestId);
      if (!ex) return;
      ex.response = toResponse(e.response);
      ex.session = session;
      // Documents are streamed from the first byte: Chromium forgets a document's body as soon as
      // the page navigates away (a client-side redirect), and turns an attachment into a download
      // that never reaches the page. Streaming is the only way the record keeps what was served.
      const attachment = /^\s*attachment/i.test(headerOf(e.response.headers, 'content-disposition') ?? '');
      if (e.type === 'Document' || attachment) {
        streaming.add(e.requestId);
        bodyJobs.push(
          session
            .send('Network.streamResourceContent', { requestId: e.requestId })
            .then((r) => {
              ex.body = Buffer.concat([Buffer.from(r.bufferedData, 'base64'), ex.body ?? Buffer.alloc(0)]);
            })
            .catch(() => {
              streaming.delete(e.requestId);
              if (ex.finished && !ex.body?.length) fetchBody(ex, session);
            }),
        );
      }
    });
    session.on('Network.dataReceived', (e) => {
      touch();
      if (!streaming.has(e.requestId) || !e.data) return;
      const ex = current.get(e.requestId);
      if (ex) ex.body = Buffer.concat([ex.body ?? Buffer.alloc(0), Buffer.from(e.data, 'base64')]);
    });
    session.on('Network.loadingFinished', (e) => {
      touch();
      const ex = current.get(e.requestId);
      if (!ex || ex.finished) return;
      ex.finished = true;
      if (streaming.has(e.requestId)) {
        ex.body ??= Buffer.alloc(0);
        return;
      }
      fetchBody(ex, session);
    });
    session.on('Network.loadingFailed', (e) => {
      touch();
      const ex = current.get(e.requestId);
      if (!ex || ex.finished) return;
      ex.finished = true;
      ex.failed = e.blockedReason ? `${e.errorText} (${e.blockedReason})` : e.errorText;
      // A response that was cut mid-body still has its headers and partial bytes worth keeping.
      if (ex.response && !streaming.has(e.requestId)) fetchBody(ex, session);
      else if (ex.response) ex.truncated = 'unspecified';
    });
    session.on(CDPSessionEvent.SessionAttached, (child: CDPSession) => {
      attach(child, true).catch(() => undefined);
    });

    await Promise.all([
      session.send('Network.enable', BODY_BUFFER),
      session.send('Network.setCacheDisabled', { cacheDisabled: true }).catch(() => undefined),
      session.send('Network.setBypassServiceWorker', { bypass: true }).catch(() => undefined),
      session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }),
    ]).catch(() => undefined);
    if (isChild) await session.send('Runtime.runIfWaitingForDebugger').catch(() => undefined);
  };

  const [root, keeping] = await Promise.all([page.createCDPSession(), page.createCDPSession()]);
  const [, kept] = await Promise.all([attach(root, false), keepBodiesInBrowser(keeping)]);
  if (kept) {
    keeper = { of: root, session: keeping };
    sessions.push(keeping);
  } else {
    await keeping.detach().catch(() => undefined);
  }

  return {
    exchanges,
    inFlight: inFlightCount,
    requests: () => requestCount,
    async waitForQuiet(quietFor, deadline, signal) {
      for (;;) {
        if (signal?.aborted) return false;
        const quietMs = typeof quietFor === 'number' ? quietFor : quietFor();
        const now = Date.now();
        const idle = now - lastActivity;
        if ((inFlightCount() === 0 && idle >= quietMs) || idle >= Math.max(STALL_MS, quietMs)) return true;
        if (now >= deadline) return false;
        const wait = Math.min(inFlightCount() === 0 ? quietMs - idle : 50, deadline - now);
        await new Promise((resolve) => setTimeout(resolve, Math.max(10, wait)));
      }
    },
    async stop(deadline) {
      stopped = true;
      const pending = exchanges.filter((ex) => !ex.finished && ex.response !== null);
      await Promise.all(
        pending.map(async (ex) => {
          ex.truncated = 'time';
          if (streaming.has(ex.requestId)) return;
          try {
            const r = await withDeadline(
              ex.session.send('Network.streamResourceContent', { requestId: ex.requestId }),
              deadline,
            );
            if (r) {
              streaming.add(ex.requestId);
              ex.body = Buffer.concat([Buffer.from(r.bufferedData, 'base64'), ex.body ?? Buffer.alloc(0)]);
            }
          } catch {
            // Not streamable (already gone): the record keeps the headers and says the body is missing.
          }
          ex.truncated = 'time';
        }),
      );
      await withDeadline(Promise.all(bodyJobs), deadline);
      for (const ex of exchanges) {
        applyExtraInfo(ex, extraRequests.get(ex.requestId), extraResponses.get(ex.requestId));
        if (!ex.finished && ex.response === null) ex.failed ??= 'unfinished at the deadline';
        if (ex.response !== null && ex.body === null && ex.truncated === null) ex.truncated = 'unspecified';
      }
      return exchanges;
    },
    async detach() {
      stopped = true;
      await Promise.all(sessions.map((s) => s.detach().catch(() => undefined)));
    },
  };
}

/**
 * Opens a second Network agent on the page that keeps response bodies in the browser process
 * (`Network.configureDurableMessages`), so that they outlive the renderer that loaded them. A page
 * that redirects itself with JavaScript the moment it has loaded otherwise takes its own body
 * with it about half of the time: the stream asked for at its response is refused because the
 * small body has already finished, and the read that follows waits (DevTools commands to the
 * renderer wait while a navigation is pending) until the new page has replaced the old one. It
 * is a second session because durable bodies are not streamed: the page's own session keeps
 * streaming (a never-ending document is kept up to the deadline). The method is newer (Chromium
 * 136) than the protocol types puppeteer-core 24 ships, hence the plain call; an older browser
 * refuses it, and such a body is then flagged as truncated, as before.
 */
async function keepBodiesInBrowser(session: CDPSession): Promise<boolean> {
  const send = session.send.bind(session) as (method: string, params: object) => Promise<unknown>;
  try {
    await send('Network.configureDurableMessages', BODY_BUFFER);
    await session.send('Network.enable', BODY_BUFFER);
    return true;
  } catch {
    return false;
  }
}

function headerOf(headers: Readonly<Record<string, string>>, name: string): string | null {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return null;
}

function toResponse(r: Protocol.Network.Response): RecordedResponse {
  return {
    status: r.status,
    statusText: r.statusText,
    headers: { ...r.headers },
    mimeType: r.mimeType,
    remoteAddress: r.remoteIPAddress ?? null,
    remotePort: r.remotePort ?? null,
    protocol: r.protocol ?? null,
    securityDetails: r.securityDetails ?? null,
    securityState: r.securityState ?? null,
    fromCache: r.fromDiskCache === true || r.fromServiceWorker === true,
  };
}

/**
 * Extra-info events carry what really crossed the wire (Cookie, Set-Cookie, the UA). They come one
 * per hop, in order, so the n-th belongs to hop n; a status mismatch means they don't line up and
 * the plain headers are kept.
 */
function applyExtraInfo(
  ex: RecordedExchange,
  requests: ExtraRequest[] | undefined,
  responses: ExtraResponse[] | undefined,
): void {
  const req = requests?.[ex.hop];
  if (req) ex.requestHeaders = { ...req.headers };
  const res = responses?.[ex.hop];
  if (res && ex.response && res.statusCode === ex.response.status) {
    ex.response = { ...ex.response, headers: { ...res.headers } };
  }
}

async function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
