import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCapture } from '@core/capture/run-capture';
import type { RawCapture } from '@core/capture/raw-capture';
import { TEST_PROFILE, readWarcFromWacz, startCaptureEnv } from './setup';
import type { CaptureEnv } from './setup';

/** A loopback service the captured page must never reach: it counts every connection it gets. */
type Victim = { port: number; connections: number; requests: string[]; close(): Promise<void> };

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function startVictim(): Promise<Victim> {
  const sockets = new Set<Socket>();
  const victim: Victim = { port: 0, connections: 0, requests: [], close: () => Promise.resolve() };
  const server = http.createServer((req, res) => {
    victim.requests.push(req.url ?? '');
    res.setHeader('content-type', 'text/html');
    res.end('<title>SECRET-INTERNAL</title>SECRET-INTERNAL');
  });
  server.on('connection', (s: Socket) => {
    victim.connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: http.IncomingMessage, s: Socket) => {
    victim.requests.push(`upgrade ${req.url ?? ''}`);
    s.destroy();
  });
  victim.port = await listen(server);
  victim.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return victim;
}

/** The allowed site: a page loading from the victim, an HTTP redirect and a meta refresh to it. */
async function startAllowedSite(victimPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const v = `127.0.0.1:${victimPort}`;
  const server = http.createServer((req, res) => {
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `http://${v}/landed` });
      return void res.end();
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (req.url === '/meta')
      return void res.end(
        `<!doctype html><meta http-equiv="refresh" content="0;url=http://${v}/meta-landed"><title>Moving</title><p>MOVING-PAGE</p>`,
      );
    res.end(`<!doctype html><html><head><title>Guarded page</title>
<link rel="preconnect" href="http://${v}"></head><body><p>ALLOWED-PAGE</p>
<img src="http://${v}/img.png"><img src="http://localhost:${victimPort}/named.png">
<iframe src="http://${v}/frame"></iframe>
<script>
fetch('http://${v}/fetch').catch(() => {});
try { new WebSocket('ws://${v}/ws'); } catch (e) {}
</script></body></html>`);
  });
  const port = await listen(server);
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let env: CaptureEnv;
let victim: Victim;
let site: { port: number; close(): Promise<void> };
beforeAll(async () => {
  env = await startCaptureEnv();
  victim = await startVictim();
  site = await startAllowedSite(victim.port);
});
afterAll(async () => {
  await site.close();
  await victim.close();
  await env.close();
});

async function capture(pathname: string): Promise<RawCapture> {
  const workDir = await mkdtemp(path.join(env.root, 'guarded-'));
  return runCapture({
    browser: await env.provider.browser(),
    url: `http://127.0.0.1:${site.port}${pathname}`,
    // Only the allowed site's host and port: every other loopback port stays private.
    profile: { ...TEST_PROFILE, allowPrivateNetwork: false, allowHosts: [`127.0.0.1:${site.port}`] },
    workDir,
    clock: () => new Date(),
  });
}

async function warcOf(c: RawCapture) {
  const wacz = c.artifacts.find((a) => a.kind === 'wacz');
  if (!wacz) throw new Error('no WACZ');
  return readWarcFromWacz(wacz.file);
}

const victimBytes = async (c: RawCapture): Promise<boolean> => {
  for (const a of c.artifacts) if ((await readFile(a.file)).includes('SECRET-INTERNAL')) return true;
  return false;
};

test('img, iframe, fetch, websocket and preconnect to another loopback port never reach it', async () => {
  const c = await capture('/page');
  expect(victim.connections).toBe(0);
  expect(victim.requests).toEqual([]);
  expect(c.page.title).toBe('Guarded page');
  expect(c.outcome).toBe('partial');
  const warning = c.warnings.find((w) => w.code === 'network.blocked');
  expect(warning?.message).toContain(`127.0.0.1:${victim.port}`);
  expect(warning?.message).toContain(`localhost:${victim.port} (is a local network name)`);
  // The allowed page's own address is recorded, not the guard's.
  expect(c.http.remoteAddress).toBe(`127.0.0.1:${site.port}`);
  const warc = await warcOf(c);
  const v = `127.0.0.1:${victim.port}`;
  expect(warc.filter((r) => r.type === 'response' && r.url.includes(v))).toEqual([]);
  const blocked = warc.filter((r) => r.type === 'metadata').map((r) => r.url);
  for (const p of ['/img.png', '/frame', '/fetch']) expect(blocked).toContain(`http://${v}${p}`);
  const meta = warc.find((r) => r.type === 'metadata' && r.url.endsWith('/img.png'));
  expect(JSON.parse(meta?.payload.toString() ?? '{}')).toMatchObject({ blocked: 'is a loopback address' });
  expect(await victimBytes(c)).toBe(false);
});

test('an HTTP redirect into the private network fails the capture and reaches nothing', async () => {
  const c = await capture('/redirect');
  expect(victim.connections).toBe(0);
  expect(c.outcome).toBe('failed');
  expect(c.error?.code).toBe('intake.private-address');
  const warc = await warcOf(c).catch(() => []);
  expect(warc.filter((r) => r.type === 'response' && r.url.includes(`:${victim.port}`))).toEqual([]);
  expect(await victimBytes(c)).toBe(false);
});

test('a meta refresh into the private network is refused; the page that moved is what is held', async () => {
  const c = await capture('/meta');
  expect(victim.connections).toBe(0);
  expect(c.warnings.map((w) => w.code)).toContain('network.blocked');
  expect(c.outcome).not.toBe('complete');
  expect(await victimBytes(c)).toBe(false);
});
