import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * One page whose answer a test switches through a control endpoint (`POST /control?mode=…`): the
 * original content, a 404, a 451, a platform's "content unavailable" page served with 200, or a
 * changed page. Loopback only, port 0; `close()` ends every open connection.
 */
export const SWITCH_MODES = ['original', 'not_found', 'legal', 'unavailable', 'changed'] as const;
export type SwitchMode = (typeof SWITCH_MODES)[number];

export const ORIGINAL_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<script>window.t = Date.now();</script></head>
<body><h1>Pills without prescription</h1><p>Order by message, delivery in 24 hours.</p></body></html>`;

const PAGES: Readonly<Record<SwitchMode, { status: number; html: string }>> = {
  original: { status: 200, html: ORIGINAL_HTML },
  not_found: { status: 404, html: '<!doctype html><title>Not found</title><h1>Not Found</h1>' },
  legal: { status: 451, html: '<!doctype html><title>451</title><h1>Unavailable For Legal Reasons</h1>' },
  unavailable: {
    status: 200,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body><div class="notice">Sorry, this content isn’t available right now</div></body></html>`,
  },
  changed: {
    status: 200,
    html: '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head><body><h1>New owner, new goods</h1></body></html>',
  },
};

export type SwitchingPage = Readonly<{
  url: string;
  hostPort: string;
  set: (mode: SwitchMode) => Promise<void>;
  close: () => Promise<void>;
}>;

export async function startSwitchingPage(): Promise<SwitchingPage> {
  let mode: SwitchMode = 'original';
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (u.pathname === '/control' && req.method === 'POST') {
      const next = u.searchParams.get('mode');
      if (!(SWITCH_MODES as readonly string[]).includes(next ?? '')) {
        res.writeHead(400).end();
        return;
      }
      mode = next as SwitchMode;
      res.writeHead(204).end();
      return;
    }
    if (u.pathname !== '/post/1') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
      return;
    }
    const page = PAGES[mode];
    res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page.html);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/post/1`,
    hostPort: `127.0.0.1:${port}`,
    async set(next) {
      const res = await fetch(`${base}/control?mode=${next}`, { method: 'POST' });
      if (res.status !== 204) throw new Error(`control refused ${next}: ${res.status}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
