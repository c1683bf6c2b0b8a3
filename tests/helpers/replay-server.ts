import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPLAY_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'node_modules',
  'replaywebpage',
);

export type ReplayServer = { origin: string; pageUrl: string; close(): Promise<void> };

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * Serves ReplayWeb.page (ui.js, and sw.js under /replay/) and one WACZ on loopback, with HTTP Range
 * support because the service worker reads the WACZ in ranges (DESIGN §11).
 */
export async function startReplayServer(opts: { waczFile: string; url: string }): Promise<ReplayServer> {
  const sockets = new Set<Socket>();
  const index = `<!doctype html><html><head><meta charset="utf-8"><script src="/ui.js"></script></head>
<body style="margin:0"><replay-web-page style="display:block;width:100vw;height:100vh" source="/capture.wacz" url="${escapeAttr(opts.url)}" embed="replayonly" replayBase="/replay/"></replay-web-page></body></html>`;

  const serveFile = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    file: string,
    type: string,
  ): Promise<void> => {
    const size = (await stat(file)).size;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    const headers: Record<string, string> = {
      'Content-Type': type,
      'Accept-Ranges': 'bytes',
      'Cache-Control': 'no-store',
    };
    if (range) {
      const start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      const end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        res.writeHead(416, { 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        ...headers,
        'Content-Range': `bytes ${start}-${end}/${size}`,
        'Content-Length': String(end - start + 1),
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(size) });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };

  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://replay').pathname;
    const done = (promise: Promise<void>): void => {
      promise.catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
    if (p === '/' || p === '/index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(index);
    } else if (p === '/ui.js') {
      done(serveFile(req, res, path.join(REPLAY_DIR, 'ui.js'), 'application/javascript'));
    } else if (p === '/replay/sw.js' || p === '/sw.js') {
      done(serveFile(req, res, path.join(REPLAY_DIR, 'sw.js'), 'application/javascript'));
    } else if (p === '/capture.wacz') {
      done(serveFile(req, res, opts.waczFile, 'application/wacz'));
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    pageUrl: `${origin}/`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
