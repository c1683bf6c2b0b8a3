import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { APP_NAME, APP_VERSION } from '../app-info';
import { WARCRecord, WARCSerializer } from 'warcio';
import type { RecordedExchange } from './network-recorder';

export type WarcInfo = Readonly<{
  software: string;
  /** The person who made the capture (WARC 1.1 section 10.1 `operator`). */
  operator: string;
  /** The workstation's name; the machine's host name when not given. */
  hostname?: string;
  operatorNote?: string;
  userAgent: string;
  fields?: Readonly<Record<string, string>>;
}>;

export type WarcSummary = Readonly<{
  file: string;
  records: number;
  responses: number;
  truncated: number;
}>;

/**
 * CDP gives decoded bodies, so the headers that described the wire encoding no longer apply: they
 * are kept under `X-Archive-Orig-*` (the convention replay tools understand) and Content-Length is
 * set to the bytes actually stored.
 */
const RENAMED = new Set(['content-encoding', 'transfer-encoding']);

export function toHeaderPairs(headers: Readonly<Record<string, string>>): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    // HTTP/2 pseudo-headers are not header fields of the HTTP/1.1 message a WARC stores.
    if (name.startsWith(':')) continue;
    // CDP joins repeated headers (Set-Cookie…) with newlines.
    for (const part of value.split('\n')) pairs.push([name, part]);
  }
  return pairs;
}

export function responseHeaderPairs(
  headers: Readonly<Record<string, string>>,
  bodyLength: number,
): [string, string][] {
  const out: [string, string][] = [];
  let originalLength: string | null = null;
  for (const [name, value] of toHeaderPairs(headers)) {
    const lower = name.toLowerCase();
    if (RENAMED.has(lower)) out.push([`X-Archive-Orig-${name}`, value]);
    else if (lower === 'content-length') originalLength = value;
    else out.push([name, value]);
  }
  if (originalLength !== null && originalLength !== String(bodyLength)) {
    out.push(['X-Archive-Orig-Content-Length', originalLength]);
  }
  out.push(['Content-Length', String(bodyLength)]);
  return out;
}

function requestHeaderPairs(ex: RecordedExchange): [string, string][] {
  const pairs = toHeaderPairs(ex.requestHeaders);
  if (!pairs.some(([n]) => n.toLowerCase() === 'host')) pairs.unshift(['Host', new URL(ex.url).host]);
  return pairs;
}

function requestTarget(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}` || '/';
}

/**
 * Writes WARC/1.1 (warcio defaults to 1.0, DESIGN §11): one warcinfo record, then a request and a
 * response record per exchange that got a response. Each record is gzip-compressed on its own so
 * the CDXJ index can point into the file.
 */
export async function writeWarc(opts: {
  file: string;
  filename: string;
  exchanges: readonly RecordedExchange[];
  info: WarcInfo;
  date: Date;
  gzip: boolean;
  /** Requests the private-network policy refused: one `metadata` record each, `{"blocked": …}`. */
  blocked?: readonly Readonly<{ url: string; reason: string }>[];
}): Promise<WarcSummary> {
  const handle = await open(opts.file, 'wx');
  let records = 0;
  let responses = 0;
  let truncated = 0;
  const write = async (record: WARCRecord): Promise<void> => {
    const bytes = await WARCSerializer.serialize(record, { gzip: opts.gzip });
    await handle.write(bytes);
    records += 1;
  };
  try {
    await write(
      WARCRecord.createWARCInfo(
        { filename: opts.filename, warcVersion: 'WARC/1.1', date: opts.date.toISOString() },
        {
          // The warcinfo fields WARC 1.1 (Annex, "warcinfo" record fields) names, so that the
          // archive says who made it with what, outside Vigil too.
          software: `${opts.info.software} (${APP_NAME} ${APP_VERSION})`,
          operator: opts.info.operator,
          hostname: opts.info.hostname ?? hostname(),
          format: 'WARC File Format 1.1',
          conformsTo: 'https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/',
          'http-header-user-agent': opts.info.userAgent,
          ...opts.info.fields,
        },
      ),
    );
    for (const ex of opts.exchanges) {
      const res = ex.response;
      if (!res) continue;
      if (!/^https?:/.test(ex.url)) continue;
      const date = ex.wallTime.toISOString();
      const responseId = `<urn:uuid:${randomUUID()}>`;
      const body = ex.body ?? Buffer.alloc(0);
      const warcHeaders: Record<string, string> = { 'WARC-Record-ID': responseId };
      if (res.remoteAddress) warcHeaders['WARC-IP-Address'] = res.remoteAddress.replace(/^\[|\]$/g, '');
      if (ex.truncated && !ex.withheld) {
        warcHeaders['WARC-Truncated'] = ex.truncated;
        truncated += 1;
      }
      if (ex.withheld) await writeWithheld(write, ex, res, responseId);
      else
        await write(
          WARCRecord.create(
            {
              url: ex.url,
              date,
              type: 'response',
              warcVersion: 'WARC/1.1',
              keepHeadersCase: true,
              statusline: `HTTP/1.1 ${res.status} ${res.statusText || 'Unknown'}`,
              httpHeaders: responseHeaderPairs(res.headers, body.length),
              warcHeaders,
            },
            [new Uint8Array(body.buffer, body.byteOffset, body.length)],
          ),
        );
      responses += 1;
      const post = ex.postData ?? Buffer.alloc(0);
      await write(
        WARCRecord.create(
          {
            url: ex.url,
            date,
            type: 'request',
            warcVersion: 'WARC/1.1',
            keepHeadersCase: true,
            statusline: `${ex.method} ${requestTarget(ex.url)} HTTP/1.1`,
            httpHeaders: requestHeaderPairs(ex),
            warcHeaders: { 'WARC-Record-ID': `<urn:uuid:${randomUUID()}>`, 'WARC-Concurrent-To': responseId },
          },
          [new Uint8Array(post.buffer, post.byteOffset, post.length)],
        ),
      );
    }
    for (const b of opts.blocked ?? []) {
      const body = Buffer.from(JSON.stringify({ blocked: b.reason, url: b.url }));
      await write(
        WARCRecord.create(
          {
            url: b.url,
            date: opts.date.toISOString(),
            type: 'metadata',
            warcVersion: 'WARC/1.1',
            warcHeaders: {
              'WARC-Record-ID': `<urn:uuid:${randomUUID()}>`,
              'Content-Type': 'application/json',
            },
          },
          [new Uint8Array(body.buffer, body.byteOffset, body.length)],
        ),
      );
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { file: opts.file, records, responses, truncated };
}

type WriteRecord = (record: WARCRecord) => Promise<void>;

/**
 * A withheld medium (restricted capture, media-withholding.ts): its bytes are not in the archive.
 * It is a `revisit` record with the identical-payload-digest profile (WARC 1.1 §6.7.2): the HTTP
 * status line and headers as served, no payload, and the payload's SHA-256 in
 * WARC-Payload-Digest. Replay tools accept revisits and look the digest up; finding no original,
 * they show the medium as missing, which is the intent. No WARC-Refers-To: there is no original
 * record to refer to, and the field is optional for this profile. Beside it a `metadata` record
 * (WARC-Concurrent-To the revisit) says what was withheld and why, with the MD5 and PDQ hashes.
 */
async function writeWithheld(
  write: WriteRecord,
  ex: RecordedExchange,
  res: NonNullable<RecordedExchange['response']>,
  revisitId: string,
): Promise<void> {
  const item = ex.withheld;
  if (!item) return;
  const date = ex.wallTime.toISOString();
  const warcHeaders: Record<string, string> = {
    'WARC-Record-ID': revisitId,
    'WARC-Profile': 'http://netpreserve.org/warc/1.1/revisit/identical-payload-digest',
    'WARC-Payload-Digest': `sha256:${item.sha256}`,
  };
  if (res.remoteAddress) warcHeaders['WARC-IP-Address'] = res.remoteAddress.replace(/^\[|\]$/g, '');
  const headers = responseHeaderPairs(res.headers, item.bytes).filter(
    ([name]) => name.toLowerCase() !== 'content-length',
  );
  await write(
    WARCRecord.create(
      {
        url: ex.url,
        date,
        type: 'revisit',
        warcVersion: 'WARC/1.1',
        keepHeadersCase: true,
        statusline: `HTTP/1.1 ${res.status} ${res.statusText || 'Unknown'}`,
        httpHeaders: [...headers, ['Content-Length', String(item.bytes)]],
        warcHeaders,
      },
      [],
    ),
  );
  const body = Buffer.from(
    JSON.stringify({
      withheld: item.reason,
      because: item.because,
      url: item.url,
      contentType: item.contentType,
      bytes: item.bytes,
      sha256: item.sha256,
      md5: item.md5,
      pdq: item.pdq,
    }),
  );
  await write(
    WARCRecord.create(
      {
        url: ex.url,
        date,
        type: 'metadata',
        warcVersion: 'WARC/1.1',
        warcHeaders: {
          'WARC-Record-ID': `<urn:uuid:${randomUUID()}>`,
          'WARC-Concurrent-To': revisitId,
          'Content-Type': 'application/json',
        },
      },
      [new Uint8Array(body.buffer, body.byteOffset, body.length)],
    ),
  );
}
