import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@shared/contract/client';
import { AppError } from '@shared/errors/app-error';
import { createHttpTransport, envelopeFromHttp, eventFromData } from '@renderer/api/transport';

describe('envelope handling', () => {
  it('passes valid envelopes through', () => {
    expect(envelopeFromHttp(200, { ok: true, value: 3 })).toEqual({ ok: true, value: 3 });
    const err = envelopeFromHttp(200, { ok: false, error: { code: 'auth.forbidden', message: 'no' } });
    expect(err).toEqual({ ok: false, error: { code: 'auth.forbidden', message: 'no' } });
  });

  it('turns non-envelope replies into error envelopes', () => {
    expect(envelopeFromHttp(401, null)).toMatchObject({ ok: false, error: { code: 'auth.bad-token' } });
    expect(envelopeFromHttp(502, '<html>')).toMatchObject({
      ok: false,
      error: { code: 'internal.unexpected' },
    });
    // An unknown code is not trusted as an envelope.
    expect(envelopeFromHttp(200, { ok: false, error: { code: 'made.up', message: 'x' } })).toMatchObject({
      ok: false,
      error: { code: 'internal.unexpected' },
    });
  });

  it('accepts only events that match the contract', () => {
    const good = JSON.stringify({
      name: 'queue.changed',
      payload: { waiting: 1, running: 0, concurrency: 2 },
    });
    expect(eventFromData(good)).toEqual({
      name: 'queue.changed',
      payload: { waiting: 1, running: 0, concurrency: 2 },
    });
    expect(eventFromData(JSON.stringify({ name: 'queue.changed', payload: { waiting: 'x' } }))).toBeNull();
    expect(eventFromData(JSON.stringify({ name: 'no.such', payload: {} }))).toBeNull();
    expect(eventFromData('not json')).toBeNull();
  });
});

describe('HTTP transport against a loopback server', () => {
  let server: http.Server;
  let base = '';
  const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        const { method } = JSON.parse(body) as { method: string };
        if (method === 'session.status') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              ok: true,
              value: { initialized: false, user: null, app: { name: 'V', version: '1' } },
            }),
          );
        } else if (method === 'users.list') {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(
            JSON.stringify({
              ok: false,
              error: { code: 'auth.not-signed-in', message: 'sign in', details: { a: 1 } },
            }),
          );
        } else {
          res.writeHead(401, { 'Content-Type': 'text/plain' });
          res.end('nope');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = () =>
    createClient(
      createHttpTransport({
        baseUrl: base,
        fetch: (input, init) => fetch(input, init),
        openEvents: () => ({ addEventListener: () => undefined, close: () => undefined }),
      }),
    );

  it('posts the method with the CSRF header and returns the value', async () => {
    const status = await client().call('session.status', {});
    expect(status.initialized).toBe(false);
    const last = seen.at(-1);
    expect(last?.headers['x-vigil-request']).toBe('1');
    expect(JSON.parse(last?.body ?? '{}')).toEqual({ method: 'session.status', input: {} });
  });

  it('raises the backend error as an AppError with code and details', async () => {
    const error = await client()
      .call('users.list', {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('auth.not-signed-in');
    expect((error as AppError).details).toEqual({ a: 1 });
  });

  it('maps a 401 without an envelope to auth.bad-token', async () => {
    const error = await client()
      .call('audit.verify', {})
      .catch((e: unknown) => e);
    expect((error as AppError).code).toBe('auth.bad-token');
  });

  it('reports an unreachable bridge as an error, not a throw from fetch', async () => {
    const transport = createHttpTransport({
      baseUrl: 'http://127.0.0.1:1',
      fetch: (input, init) => fetch(input, init),
      openEvents: () => ({ addEventListener: () => undefined, close: () => undefined }),
    });
    const reply = await transport.invoke('session.status', {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'internal.unexpected' } });
  });

  it('builds artifact URLs on the same origin', () => {
    expect(client().artifactUrl('ab'.repeat(32))).toBe(`${base}/artifacts/${'ab'.repeat(32)}`);
  });
});
