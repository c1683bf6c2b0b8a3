import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TEST_PROFILE, startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

const IMAGES = 5_000;

let env: CaptureEnv;
let server: http.Server;
let base = '';
const sockets = new Set<Socket>();

beforeAll(async () => {
  env = await startCaptureEnv();
  server = http.createServer((req, res) => {
    if (req.url?.startsWith('/img/')) {
      res.setHeader('content-type', 'image/svg+xml');
      return void res.end(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#369"/></svg>',
      );
    }
    res.setHeader('content-type', 'text/html');
    const imgs = Array.from({ length: IMAGES }, (_, i) => `<img src="/img/${i}.svg" width="40" height="40">`);
    res.end(`<!doctype html><title>Many images</title><p>MANY-IMAGES</p>${imgs.join('')}`);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await env.close();
});

test('a 5,000-image page with a 10 s deadline ends flagged within it, and the next capture runs', async () => {
  const started = Date.now();
  const c = await env.capture(`${base}/many`, {
    profile: { ...TEST_PROFILE, timeouts: { ...TEST_PROFILE.timeouts, totalMs: 10_000 } },
  });
  // The archive stage may run a little past the deadline to close what it wrote, never far.
  expect(Date.now() - started).toBeLessThan(10_000 + 8_000);
  expect(c.outcome).toBe('partial');
  expect(c.warnings.map((w) => w.code)).toContain('navigate.timeout');

  const next = await env.capture(`${env.site.http}/`);
  expect(next.outcome).toBe('complete');
});
