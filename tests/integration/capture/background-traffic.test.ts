import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createBrowserProvider } from '@core/capture/browser-provider';
import { runCapture } from '@core/capture/run-capture';
import { CHROMIUM } from '@tests/helpers/chromium';
import { startFixtureSite } from '@tests/helpers/fixture-site';
import type { FixtureSite } from '@tests/helpers/fixture-site';
import { TEST_PROFILE } from './setup';

/**
 * Chromium on Linux takes its proxy from the environment: a listener named there sees every request
 * the browser makes on its own (loopback, where the page lives, is never proxied). Nothing may come.
 */
let listener: net.Server;
const seen: string[] = [];
const sockets = new Set<Socket>();
let root: string;
let site: FixtureSite;
const saved: Record<string, string | undefined> = {};
const PROXY_VARS = ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'];

beforeAll(async () => {
  listener = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.once('data', (d: Buffer) => {
      seen.push(d.toString('latin1').split('\r\n')[0] ?? '');
      s.destroy();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
  const proxy = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  for (const v of PROXY_VARS) saved[v] = process.env[v];
  Object.assign(process.env, {
    http_proxy: proxy,
    https_proxy: proxy,
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    no_proxy: '',
    NO_PROXY: '',
  });
  root = await mkdtemp(path.join(os.tmpdir(), 'vigil-bg-'));
  site = await startFixtureSite();
});
afterAll(async () => {
  for (const v of PROXY_VARS) {
    if (saved[v] === undefined) Reflect.deleteProperty(process.env, v);
    else process.env[v] = saved[v];
  }
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  await site.close();
  await rm(root, { recursive: true, force: true });
});

test('the capture browser contacts nothing but the page: no update, sign-in or other background service', async () => {
  const provider = createBrowserProvider({ executablePath: CHROMIUM, tmpRoot: root });
  try {
    // Through the network guard, as a capture of a reported URL goes: the guard sees every connection
    // of the capture's own context, so a request the browser makes there on its own (a preconnect to
    // the search engine, the AI-mode eligibility fetch) is refused and makes the capture partial.
    const c = await runCapture({
      browser: await provider.browser(),
      url: `${site.http}/`,
      profile: { ...TEST_PROFILE, allowPrivateNetwork: false, allowHosts: [new URL(site.http).host] },
      workDir: await mkdtemp(path.join(root, 'capture-')),
      clock: () => new Date(),
    });
    expect(c.outcome, JSON.stringify(c.error ?? c.warnings)).toBe('complete');
    // Background services start within seconds of launch; nothing signals that one did not, so the
    // browser is given a bounded while after the capture to show any.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(seen).toEqual([]);
  } finally {
    await provider.close();
  }
});
