import { execFile } from 'node:child_process';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const SITE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'site');

export type FixtureSite = {
  /** http://127.0.0.1:PORT */
  http: string;
  /** https://127.0.0.1:PORT, self-signed */
  https: string;
  /** http://localhost:PORT: the same server under another origin (and site). */
  httpAlt: string;
  certPem: string;
  /** Lowercase hex SHA-256 of the certificate's DER. */
  certSha256: string;
  close(): Promise<void>;
};

/** The body of /files/report.bin, so tests can check the recorded hash. */
export const DOWNLOAD_BODY: Buffer = Buffer.from(
  Array.from({ length: 50_000 }, (_, i) => (i * 31 + 7) % 251),
);

const FEED_PAGE_SIZE = 5;

function svg(label: string, color: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="300" height="200" fill="${color}"/><text x="10" y="100" font-size="24">${label}</text></svg>`;
}

function tallPage(height: number): string {
  // A blue band at the very top and a red band at the very bottom: a complete full-page image has both.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tall ${height}</title>
<style>html,body{margin:0;padding:0}#page{position:relative;height:${height}px;background:linear-gradient(#fff,#ddd)}
#top{position:absolute;top:0;left:0;right:0;height:200px;background:#0000ff}
#bottom{position:absolute;bottom:0;left:0;right:0;height:200px;background:#ff0000;color:#fff;font:40px sans-serif}</style></head>
<body><div id="page"><div id="top">TOP-MARKER</div><div id="bottom">BOTTOM-MARKER-${height}</div></div></body></html>`;
}

async function makeCertificate(dir: string): Promise<{ key: string; cert: string }> {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=Vigil fixture site',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

/**
 * A local web site with the pages a capture must survive. Everything listens on 127.0.0.1 with
 * port 0; `close()` ends every open connection, including the never-ending response.
 */
export async function startFixtureSite(): Promise<FixtureSite> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'vigil-fixture-'));
  const { key, cert } = await makeCertificate(tmp);
  const certSha256 = createHash('sha256').update(new X509Certificate(cert).raw).digest('hex');
  const sockets = new Set<Socket>();
  let altOrigin = '';

  const sendFile = async (
    res: http.ServerResponse,
    name: string,
    replace?: [string, string],
  ): Promise<void> => {
    let html = await readFile(path.join(SITE_DIR, name), 'utf8');
    if (replace) html = html.replace(replace[0], replace[1]);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  };
  const send = (res: http.ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'Content-Type': type });
    res.end(body);
  };

  const handler = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const p = url.pathname;
    switch (p) {
      case '/':
        return sendFile(res, 'index.html');
      case '/arabic':
      case '/cyrillic':
      case '/lazy':
      case '/feed':
      case '/framed':
      case '/dialogs':
      case '/popups':
      case '/js-redirect':
      case '/js-target':
      case '/download':
      case '/crash':
      case '/late':
      case '/late-idle':
      case '/chain':
      case '/locked':
        return sendFile(res, `${p.slice(1)}.html`);
      case '/iframe':
        return sendFile(res, 'iframe.html', ['FRAME_SRC', `${altOrigin}/framed`]);
      case '/hostile-title':
        // A title a terminal would act on if printed raw: OSC retitle, CSI clear screen, a C1 CSI, a
        // bidi override and a line separator. Chromium drops the C0 controls (ESC, BEL) and folds the
        // LF into a space; the C1 CSI, the override and the separator reach the capture.
        return send(
          res,
          200,
          'text/html; charset=utf-8',
          '<!doctype html><title>x</title><script>document.title = "Owned \\u001b]0;pwned\\u0007 \\u001b[2J \\u009b31m \\u202egnp.exe\\u2028forged\\nline";</script><p>hostile title</p>',
        );
      case '/tall': {
        const height = Math.min(Number(url.searchParams.get('h') ?? '60000'), 200_000);
        return send(res, 200, 'text/html; charset=utf-8', tallPage(height));
      }
      case '/redirect/a':
        res.writeHead(301, { Location: '/redirect/b' });
        return void res.end();
      case '/redirect/b':
        res.writeHead(302, { Location: '/redirect/final' });
        return void res.end();
      case '/redirect/final':
        return send(
          res,
          200,
          'text/html; charset=utf-8',
          '<title>Redirect final</title><p>Final after 301 and 302.</p>',
        );
      case '/loop/a':
        res.writeHead(302, { Location: '/loop/b' });
        return void res.end();
      case '/loop/b':
        res.writeHead(302, { Location: '/loop/a' });
        return void res.end();
      case '/never-ending':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        // Enough bytes to make Chromium render, then silence until the server closes.
        res.write(
          `<!doctype html><title>Never ending</title><p id="text">Partial content NEVER-END-5.</p>${' '.repeat(4096)}`,
        );
        return;
      case '/files/report.bin':
        res.writeHead(200, {
          'Content-Type': 'application/octet-stream',
          'Content-Disposition': 'attachment; filename="report.bin"',
          'Content-Length': String(DOWNLOAD_BODY.length),
        });
        return void res.end(DOWNLOAD_BODY);
      case '/status/404':
        return send(
          res,
          404,
          'text/html; charset=utf-8',
          '<title>Not found</title><p>No such page (404).</p>',
        );
      case '/status/500':
        return send(
          res,
          500,
          'text/html; charset=utf-8',
          '<title>Server error</title><p>It broke (500).</p>',
        );
      case '/cookies': {
        const received = req.headers.cookie ?? 'none';
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Set-Cookie': `visit=${randomBytes(8).toString('hex')}; Path=/; SameSite=Lax`,
        });
        return void res.end(`<title>Cookies</title><p id="cookies">Cookies received: ${received}</p>`);
      }
      case '/gzip': {
        const body = gzipSync(
          Buffer.from('<!doctype html><title>Gzip page</title><p>Compressed body GZIP-MARKER-3.</p>', 'utf8'),
        );
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Encoding': 'gzip',
          'Content-Length': String(body.length),
        });
        return void res.end(body);
      }
      case '/api/lazy-text':
        return send(res, 200, 'text/plain; charset=utf-8', 'LAZY-TEXT-LOADED-21');
      case '/api/late-text':
        return send(res, 200, 'text/plain; charset=utf-8', 'LATE-TEXT-LOADED');
      case '/api/chain':
        return send(
          res,
          200,
          'text/plain; charset=utf-8',
          `CHAIN-STEP-${url.searchParams.get('step') ?? '?'}`,
        );
      case '/api/framed-data':
        return send(res, 200, 'text/plain; charset=utf-8', 'FRAMED-DATA-88');
      case '/api/feed': {
        const page = Number(url.searchParams.get('page') ?? '0');
        const items = Array.from(
          { length: FEED_PAGE_SIZE },
          (_, i) => `Feed item ${page * FEED_PAGE_SIZE + i + 1}`,
        );
        return send(res, 200, 'application/json', JSON.stringify(items));
      }
      case '/popup-target':
        return send(res, 200, 'text/html; charset=utf-8', '<title>Popup</title><p>popup</p>');
      default:
        if (p.startsWith('/img/')) return send(res, 200, 'image/svg+xml', svg(p.slice(5), '#3a7'));
        return send(res, 404, 'text/plain', 'not found');
    }
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };

  const plain = http.createServer(onRequest);
  const secure = https.createServer({ key, cert }, onRequest);
  plain.on('connection', track);
  secure.on('connection', track);
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
  const httpPort = (plain.address() as AddressInfo).port;
  const httpsPort = (secure.address() as AddressInfo).port;
  altOrigin = `http://localhost:${httpPort}`;

  return {
    http: `http://127.0.0.1:${httpPort}`,
    https: `https://127.0.0.1:${httpsPort}`,
    httpAlt: altOrigin,
    certPem: cert,
    certSha256,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => plain.close(() => resolve())),
        new Promise<void>((resolve) => secure.close(() => resolve())),
      ]);
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
