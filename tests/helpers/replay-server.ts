import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame, Page } from 'puppeteer-core';

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

export type VerificationRow = Readonly<{ id: string; expected: unknown; matched?: unknown }>;

/**
 * Opens ReplayWeb.page in `page` (a page of its own browser context) and waits until the replayed
 * page's text holds one of `markers` or the bound passes; returns that text. Nothing but the replay
 * server may be reached.
 */
export async function replayText(
  page: Page,
  server: ReplayServer,
  url: string,
  markers: readonly string[],
  timeoutMs = 60_000,
): Promise<{ text: string; leaked: string[] }> {
  const leaked: string[] = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const target = req.url();
    if (target.startsWith(server.origin) || target.startsWith('data:') || target.startsWith('blob:')) {
      void req.continue();
    } else {
      leaked.push(target);
      void req.abort();
    }
  });
  await page.goto(server.pageUrl, { waitUntil: 'load', timeout: 30_000 });
  const replayed = (frame: Frame): boolean => frame.url().includes(`mp_/${url}`);
  const found = (text: string): boolean => markers.some((m) => text.includes(m));
  const condition = `document.body && ${JSON.stringify(markers)}.some((m) => document.body.innerText.includes(m))`;
  const deadline = Date.now() + timeoutMs;
  const reloadAt = Date.now() + timeoutMs / 3;
  let reloaded = false;
  let text = '';
  while (Date.now() < deadline && !found(text)) {
    // The first load can race the service worker's installation; one reload lets it serve.
    if (!reloaded && Date.now() > reloadAt && !page.frames().some(replayed)) {
      reloaded = true;
      await page.reload({ waitUntil: 'load', timeout: 30_000 });
    }
    const frame = page.frames().find(replayed);
    if (frame) {
      text = await frame.evaluate('document.body ? document.body.innerText : ""').then(String, () => '');
      if (found(text)) break;
    }
    await page.waitForFrame(replayed, { timeout: 2_000 }).catch(() => undefined);
    await frame?.waitForFunction(condition, { timeout: 2_000 }).catch(() => undefined);
  }
  return { text, leaked };
}

/**
 * The rows ReplayWeb.page's service worker stored while verifying the WACZ: its `verification`
 * object store (IndexedDB of the replay origin), which holds the signature result
 * (`{ id: 'signature', expected: true, matched: <valid> }`), the certificate facts and one row per
 * hash it checked (`matched: true|false`). Its summary (`numValid`) counts a signature row as valid
 * whatever it matched, so the rows themselves are read.
 */
export async function replayVerification(page: Page): Promise<VerificationRow[]> {
  // A string, because the node project's types have no DOM: this runs in the replay page.
  const rows: unknown = await page.evaluate(`(async () => {
    const out = [];
    const call = (req) => new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await call(indexedDB.open(info.name));
      if (db.objectStoreNames.contains('verification')) {
        out.push(...(await call(db.transaction('verification', 'readonly').objectStore('verification').getAll())));
      }
      db.close();
    }
    return out;
  })()`);
  return Array.isArray(rows) ? (rows as VerificationRow[]) : [];
}

export type BrowserWaczCheck = Readonly<{
  /** SHA-256 of datapackage.json as Chromium computed it, and what datapackage-digest.json says. */
  datapackageHash: string;
  digestHash: string;
  signedHash: string | null;
  resources: readonly Readonly<{ path: string; expected: string; actual: string }>[];
}>;

/**
 * The rest of the spec's verification, done in the replay page with WebCrypto (ReplayWeb.page
 * checks the signature over the datapackage hash but never hashes the WARC): the WACZ is fetched
 * from the replay server, its STORED entries located through the ZIP central directory, and
 * datapackage.json and every resource it lists hashed.
 */
export async function browserWaczCheck(page: Page, server: ReplayServer): Promise<BrowserWaczCheck> {
  return (await page.evaluate(`(async () => {
    const bytes = new Uint8Array(await (await fetch(${JSON.stringify(`${server.origin}/capture.wacz`)})).arrayBuffer());
    const view = new DataView(bytes.buffer);
    let eocd = bytes.length - 22;
    while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd -= 1;
    const count = view.getUint16(eocd + 10, true);
    let at = view.getUint32(eocd + 16, true);
    const entries = new Map();
    for (let i = 0; i < count; i += 1) {
      const method = view.getUint16(at + 10, true);
      const size = view.getUint32(at + 20, true);
      const nameLength = view.getUint16(at + 28, true);
      const extra = view.getUint16(at + 30, true);
      const comment = view.getUint16(at + 32, true);
      const local = view.getUint32(at + 42, true);
      const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
      const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
      entries.set(name, { method, data: bytes.subarray(start, start + size) });
      at += 46 + nameLength + extra + comment;
    }
    const hash = async (data) =>
      'sha256:' + [...new Uint8Array(await crypto.subtle.digest('SHA-256', data))]
        .map((b) => b.toString(16).padStart(2, '0')).join('');
    const text = (name) => new TextDecoder().decode(entries.get(name).data);
    const digest = JSON.parse(text('datapackage-digest.json'));
    const datapackage = JSON.parse(text('datapackage.json'));
    const resources = [];
    for (const r of datapackage.resources) {
      const entry = entries.get(r.path);
      resources.push({ path: r.path, expected: r.hash, actual: entry && entry.method === 0 ? await hash(entry.data) : '' });
    }
    return {
      datapackageHash: await hash(entries.get('datapackage.json').data),
      digestHash: digest.hash,
      signedHash: digest.signedData ? digest.signedData.hash : null,
      resources,
    };
  })()`)) as BrowserWaczCheck;
}
