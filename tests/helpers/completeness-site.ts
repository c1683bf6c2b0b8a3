import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Pages that are not finished at their load event: feeds that grow from script and pages that
 * move themselves on later. Listens on 127.0.0.1, port 0; `close()` ends every connection.
 */
export type CompletenessSite = {
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
};

const ITEMS_PER_BATCH = 5;
/** Each item is this tall, so that a feed of N batches is N × 2,000 px. */
export const FEED_ITEM_PX = 400;

const page = (title: string, body: string, head = ''): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head><body>${body}</body></html>`;

/**
 * A feed that appends from JavaScript with no request per batch: when the "Loading more…"
 * sentinel comes into view (IntersectionObserver), a timer appends the next batch. The last batch
 * is red and says LAST-BATCH-<n>; after it the sentinel goes and "End of feed" stays.
 */
function scriptFeed(batches: number, delayMs: number): string {
  return page(
    'Script feed',
    `<div id="feed"></div><div id="sentinel">Loading more…</div>
<script>
  const total = ${batches};
  let done = 0;
  let busy = false;
  const feed = document.getElementById('feed');
  const sentinel = document.getElementById('sentinel');
  const io = new IntersectionObserver((entries) => {
    if (busy || done >= total || !entries.some((e) => e.isIntersecting)) return;
    busy = true;
    setTimeout(() => {
      done += 1;
      for (let i = 1; i <= ${ITEMS_PER_BATCH}; i += 1) {
        const div = document.createElement('div');
        div.className = done === total ? 'item last' : 'item';
        div.textContent = 'Script item ' + done + '-' + i + (done === total && i === ${ITEMS_PER_BATCH} ? ' LAST-BATCH-' + total : '');
        feed.appendChild(div);
      }
      busy = false;
      if (done >= total) { io.disconnect(); sentinel.textContent = 'End of feed'; }
      else { io.unobserve(sentinel); io.observe(sentinel); }
    }, ${delayMs});
  });
  io.observe(sentinel);
</script>`,
    `<style>body{margin:0;font:16px sans-serif}.item{height:${FEED_ITEM_PX}px;box-sizing:border-box;border-bottom:1px solid #999;background:#eee}
.item.last{background:#ff0000;color:#fff}#sentinel{height:40px}</style>`,
  );
}

function landed(from: string): string {
  return page('Landed', `<p id="landed">LANDED-FROM-${from}</p>`);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function respond(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://site');
  const q = (name: string, fallback: number): number => Number(url.searchParams.get(name) ?? fallback);
  const html = (body: string): void => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body);
  };
  switch (url.pathname) {
    case '/plain':
      return html(page('Plain', '<h1>Plain page</h1><p>PLAIN-PAGE-7</p>'));
    case '/feed-script':
      return html(scriptFeed(Math.min(q('batches', 5), 500), Math.min(q('delay', 300), 2_000)));
    case '/meta-refresh':
      return html(
        page(
          'Meta refresh',
          '<p>Moving on by meta refresh…</p>',
          `<meta http-equiv="refresh" content="${q('s', 2)};url=/landed?from=META">`,
        ),
      );
    case '/timer-redirect':
      return html(
        page(
          'Timer redirect',
          `<p>Moving on by a timer…</p><script>setTimeout(() => { location.href = '/landed?from=TIMER'; }, ${q('ms', 2_000)});</script>`,
        ),
      );
    case '/auto-form': {
      const submit = "document.getElementById('f').submit()";
      const trigger =
        url.searchParams.get('mode') === 'timer'
          ? `setTimeout(() => { ${submit}; }, 2000);`
          : `window.addEventListener('load', () => { ${submit}; });`;
      return html(
        page(
          'Auto form',
          `<form id="f" method="post" action="/form-target"><input type="hidden" name="token" value="FORM-TOKEN-3"></form><script>${trigger}</script>`,
        ),
      );
    }
    case '/form-target': {
      const body = req.method === 'POST' ? await readBody(req) : '';
      const token = new URLSearchParams(body).get('token') ?? 'none';
      return html(page('Form landed', `<p id="landed">FORM-LANDED ${token}</p>`));
    }
    case '/landed':
      return html(landed(url.searchParams.get('from') ?? 'UNKNOWN'));
    case '/hop': {
      // Moves on every second, forever.
      const n = q('n', 0);
      return html(
        page(
          `Hop ${n}`,
          `<p>HOP-${n}</p><script>setTimeout(() => { location.href = '/hop?n=${n + 1}'; }, 1000);</script>`,
        ),
      );
    }
    default:
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
  }
}

export async function startCompletenessSite(): Promise<CompletenessSite> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    respond(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
