import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import {
  BlobReply,
  ClaimReply,
  MediaMatchReply,
  SubmitReply,
  WORKER_ROUTES,
  type FailJob,
  type MediaMatchQuery,
  type SubmitCapture,
} from '@shared/contract/methods/workers';
import { AppError, isErrorCode } from '@shared/errors/app-error';
import { bodyHash, signRequest, type RequestSigner } from './signed-request';

/** A worker's side of `/workers/…`: every request signed by its workstation key, every answer parsed. */
export type WorkerClient = Readonly<{
  claim: () => Promise<ClaimReply>;
  uploadBlob: (sha256: string, body: () => Readable) => Promise<BlobReply>;
  submit: (body: SubmitCapture) => Promise<SubmitReply>;
  fail: (body: FailJob) => Promise<void>;
  /** One medium's hashes against the server's lists; rejects when the server cannot be asked. */
  matchMedia: (query: MediaMatchQuery) => Promise<MediaMatchReply>;
}>;

export type WorkerClientOptions = Readonly<{
  server: string;
  signer: RequestSigner;
  /** The unit's CA (PEM) for a server whose certificate it issued; the system roots otherwise. */
  caPem?: string;
}>;

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The server's refusal as the AppError it sent (one line), or a plain one when it sent none. */
function refusalOf(status: number, text: string): AppError {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = body.error?.code;
    const message = body.error?.message;
    if (isErrorCode(code)) return new AppError(code, typeof message === 'string' ? message : code);
  } catch {
    // not JSON: fall through to the status line
  }
  return new AppError('internal.unexpected', `the server answered ${status}`);
}

export function createWorkerClient(opts: WorkerClientOptions): WorkerClient {
  const base = new URL(opts.server);
  const send = (method: string, path: string, bodySha256: string, body: Buffer | Readable): Promise<string> =>
    new Promise((resolve, reject) => {
      const url = new URL(path, base);
      const headers = {
        ...signRequest(opts.signer, method, path, bodySha256),
        'Content-Type': 'application/octet-stream',
      };
      const call = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = call(url, { method, headers, ...(opts.caPem ? { ca: opts.caPem } : {}) }, (res) => {
        readAll(res).then((text) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(text);
          else reject(refusalOf(status, text));
        }, reject);
      });
      req.on('error', (error) =>
        reject(
          new AppError(
            'internal.unexpected',
            `the team server ${base.origin} cannot be reached: ${error.message}`,
          ),
        ),
      );
      if (Buffer.isBuffer(body)) req.end(body);
      else body.pipe(req);
    });
  const json = async <T>(path: string, value: unknown, schema: z.ZodType<T>): Promise<T> => {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    return schema.parse(JSON.parse(await send('POST', path, bodyHash(body), body)));
  };
  return {
    claim: () => json(WORKER_ROUTES.claim, {}, ClaimReply),
    uploadBlob: async (sha256, body) =>
      BlobReply.parse(JSON.parse(await send('PUT', `${WORKER_ROUTES.blob}${sha256}`, sha256, body()))),
    submit: (body) => json(WORKER_ROUTES.submit, body, SubmitReply),
    fail: async (body) => {
      await send(
        'POST',
        WORKER_ROUTES.fail,
        bodyHash(Buffer.from(JSON.stringify(body))),
        Buffer.from(JSON.stringify(body)),
      );
    },
    matchMedia: (query) => json(WORKER_ROUTES.mediaMatch, query, MediaMatchReply),
  };
}
