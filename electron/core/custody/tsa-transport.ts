import * as http from 'node:http';
import * as https from 'node:https';
import { AppError } from '@shared/errors/app-error';
import { errorText } from './tsa-errors';

/** RFC 3161 §3.4 over HTTP: one bounded POST of a DER TimeStampReq, answered by a TimeStampResp. */

const REPLY_TYPES = new Set(['application/timestamp-reply', 'application/timestamp-response']);
// A reply is a few kilobytes (token + a short chain); anything far larger is not a TSA talking.
const MAX_REPLY_BYTES = 1024 * 1024;

type Reply = { status: number; contentType: string; body: Buffer };

export function parseTsaUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('input.invalid', 'the TSA URL is not a valid URL', { url: raw });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('input.invalid', 'the TSA URL must be http or https', { url: raw });
  }
  return url;
}

export function assertTimeout(timeoutMs: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new AppError('input.invalid', 'timeoutMs must be a positive number');
  }
}

/** Posts the query and returns the body of an HTTP 200 time-stamp reply (not yet parsed). */
export async function postTimestampQuery(url: URL, query: Buffer, timeoutMs: number): Promise<Buffer> {
  const reply = await post(url, query, timeoutMs);
  if (reply.status !== 200) {
    throw new AppError('tsa.unreachable', `the TSA answered HTTP ${reply.status}`, {
      url: url.href,
      status: reply.status,
    });
  }
  const mediaType = (reply.contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (!REPLY_TYPES.has(mediaType)) {
    throw new AppError('tsa.bad-response', `the TSA answered with content type "${reply.contentType}"`, {
      url: url.href,
    });
  }
  return reply.body;
}

/** One POST bounded by `timeoutMs` from connect to the last byte; never through a proxy. */
function post(url: URL, body: Buffer, timeoutMs: number): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: { error: AppError } | { reply: Reply }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if ('error' in outcome) {
        request.destroy();
        reject(outcome.error);
      } else {
        resolve(outcome.reply);
      }
    };
    const unreachable = (message: string, cause?: unknown) =>
      finish({
        error: new AppError('tsa.unreachable', message, {
          url: url.href,
          ...(cause === undefined ? {} : { cause: errorText(cause) }),
        }),
      });

    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(
      url,
      {
        method: 'POST',
        // A private agent: no pooled keep-alive socket outlives the request.
        agent: false,
        headers: {
          'Content-Type': 'application/timestamp-query',
          'Content-Length': body.length,
          Accept: 'application/timestamp-reply',
          Connection: 'close',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REPLY_BYTES) {
            finish({
              error: new AppError('tsa.bad-response', 'the TSA reply is too large', { url: url.href }),
            });
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => unreachable('the TSA connection failed while reading', error));
        response.on('aborted', () => unreachable('the TSA connection was cut while reading'));
        response.on('end', () =>
          finish({
            reply: {
              status: response.statusCode ?? 0,
              contentType: response.headers['content-type'] ?? '',
              body: Buffer.concat(chunks),
            },
          }),
        );
      },
    );
    const timer = setTimeout(() => unreachable(`the TSA did not answer within ${timeoutMs} ms`), timeoutMs);
    request.on('error', (error) => unreachable('the TSA cannot be reached', error));
    request.end(body);
  });
}
