import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AppError, type ErrorCode, type ErrorPayload } from '@shared/errors/app-error';

const MAX_BODY = 32 * 1024 * 1024;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

export const errorBody = (error: ErrorPayload) => ({ ok: false, error });

export async function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A request body of at most `limit` bytes, as bytes (a signed request hashes them as sent). */
export async function readBodyBytes(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new AppError('input.invalid', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A JSON body checked against its schema at the boundary; one line naming the first problem. */
export function parseJsonBody<T>(schema: z.ZodType<T>, body: Buffer): T {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError('rpc.invalid-input', 'the request body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError(
      'rpc.invalid-input',
      `bad request: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}

/** The HTTP status of a refusal on the team server's own routes (workers, migration); 500 otherwise. */
const ROUTE_STATUS: Partial<Record<ErrorCode, number>> = {
  'auth.not-signed-in': 401,
  'auth.bad-token': 401,
  'auth.forbidden': 403,
  'input.invalid': 400,
  'rpc.invalid-input': 400,
  'evidence.not-found': 404,
  'custody.signature-invalid': 422,
  'evidence.integrity-mismatch': 409,
};

export const routeStatusOf = (code: ErrorCode): number => ROUTE_STATUS[code] ?? 500;
