import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import {
  ClaimReply,
  FailJob,
  MediaMatchQuery,
  MediaMatchReply,
  SubmitCapture,
  WORKER_ROUTES,
} from '@shared/contract/methods/workers';
import { AppError, isAppError } from '@shared/errors/app-error';
import { parseJsonBody, readBodyBytes, routeStatusOf, sendJson } from '../bridge/bridge-http';
import type { WorkerRow } from '../db/repositories/workers-repo';
import type { Workspace } from '../workspace';
import { bodyHash, signedHeadersOf, verifySignedRequest } from './signed-request';
import type { WorkerHub } from './worker-hub';
import { certifiedWorker } from './worker-registry';

/**
 * `/workers/…` on the team server's bridge. No session and no cookie: each request is proven by the
 * worker's signature (signed-request.ts), checked against its certificate from the unit CA before
 * anything is read or stored.
 */
export type WorkerRoutes = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;

const MAX_JSON = 32 * 1024 * 1024;
const BLOB_PATH = /^\/workers\/blobs\/([0-9a-f]{64})$/;

/** The worker that signed this request; `bodySha256` is what the body must hash to. */
async function authenticate(
  ws: Workspace,
  req: IncomingMessage,
  pathname: string,
): Promise<{ worker: WorkerRow; bodySha256: string }> {
  const signed = signedHeadersOf(req.headers);
  const worker = await certifiedWorker(ws, signed.keyId);
  if (worker === null)
    throw new AppError('auth.bad-token', 'this key is not a registered worker of the unit');
  verifySignedRequest(worker.publicKeyPem, signed, {
    method: req.method ?? '',
    path: pathname,
    now: ws.clock(),
  });
  return { worker, bodySha256: signed.bodySha256 };
}

async function signedJson<T>(req: IncomingMessage, bodySha256: string, schema: z.ZodType<T>): Promise<T> {
  const body = await readBodyBytes(req, MAX_JSON);
  if (bodyHash(body) !== bodySha256)
    throw new AppError('auth.bad-token', 'the body is not the one the worker signed');
  return parseJsonBody(schema, body);
}

/** An artifact streamed into the store, hashed on the way; refused when it is not the named hash. */
async function receiveBlob(ws: Workspace, req: IncomingMessage, sha256: string, signedSha: string) {
  if (signedSha !== sha256) throw new AppError('auth.bad-token', 'the signed body hash is not the blob path');
  const stored = await ws.blobs.put(req);
  // A body of other bytes lands under its own hash, unreferenced (swept as a leftover); it is never this blob.
  if (stored.sha256 !== sha256)
    throw new AppError(
      'custody.signature-invalid',
      `the uploaded bytes hash to ${stored.sha256}, not ${sha256}`,
    );
  return { sha256, bytes: stored.bytes };
}

async function route(
  ws: Workspace,
  hub: WorkerHub,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
) {
  const { worker, bodySha256 } = await authenticate(ws, req, pathname);
  const blob = BLOB_PATH.exec(pathname)?.[1];
  if (req.method === 'PUT' && blob !== undefined) {
    await hub.admitBlob(worker);
    return sendJson(res, 200, await receiveBlob(ws, req, blob, bodySha256));
  }
  if (req.method !== 'POST') throw new AppError('rpc.invalid-input', 'method not allowed');
  switch (pathname) {
    case WORKER_ROUTES.claim:
      await readBodyBytes(req, MAX_JSON);
      return sendJson(res, 200, ClaimReply.parse({ worker: worker.name, job: await hub.claim(worker) }));
    case WORKER_ROUTES.submit:
      return sendJson(res, 200, await hub.submit(worker, await signedJson(req, bodySha256, SubmitCapture)));
    case WORKER_ROUTES.mediaMatch: {
      const query = await signedJson(req, bodySha256, MediaMatchQuery);
      return sendJson(res, 200, MediaMatchReply.parse(await hub.matchMedia(worker, query)));
    }
    case WORKER_ROUTES.fail:
      await hub.fail(worker, await signedJson(req, bodySha256, FailJob));
      return sendJson(res, 200, { ok: true });
    default:
      throw new AppError('evidence.not-found', `no worker route ${pathname}`);
  }
}

export function createWorkerRoutes(ws: Workspace, hub: WorkerHub): WorkerRoutes {
  return async (req, res, pathname) => {
    try {
      await route(ws, hub, req, res, pathname);
    } catch (error) {
      // The rest of a refused upload is drained so that the client reads the answer, not a reset.
      req.resume();
      if (!isAppError(error)) throw error;
      sendJson(res, routeStatusOf(error.code), { ok: false, error: error.toPayload() });
    }
  };
}
