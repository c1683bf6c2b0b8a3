import { mkdtemp, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { build } from 'vite';
import { launchChromium as launchBrowser } from '../helpers/chromium';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const RENDERER_OUT = path.join(ROOT, 'out/renderer');
export const SCREENS_DIR = path.join(ROOT, 'tests/output/screens');

/** Builds the renderer into out/renderer (as electron-vite would) and returns that directory. */
export async function buildRenderer(): Promise<string> {
  await build({ configFile: path.join(ROOT, 'tests/harness/vite-renderer.config.ts'), logLevel: 'warn' });
  return RENDERER_OUT;
}

export type LaunchedBrowser = Readonly<{ browser: Browser; close: () => Promise<void> }>;

/** Headless Chromium with a fresh profile and the flags that keep it from talking to anything but loopback. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'vigil-ui-chrome-'));
  const browser = await launchBrowser(profile);
  return {
    browser,
    close: async () => {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Serves the built renderer alone on 127.0.0.1 (for pages that use the fake preload bridge). */
export async function serveStatic(
  dir: string,
): Promise<Readonly<{ url: string; close: () => Promise<void> }>> {
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = path.join(dir, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(dir)) {
      res.writeHead(404).end();
      return;
    }
    stat(file).then(
      (s) => {
        if (!s.isFile()) throw new Error('not a file');
        res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
        createReadStream(file).pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
