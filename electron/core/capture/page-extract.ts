import { z } from 'zod';
import type { CDPSession, Page, Protocol } from 'puppeteer-core';
import { bounded } from './deadline';

const extractSchema = z.object({
  url: z.string(),
  title: z.string(),
  lang: z.string().nullable(),
  dir: z.string().nullable(),
  text: z.string(),
  outlinks: z.array(z.object({ href: z.string(), text: z.string() })),
  meta: z.array(z.object({ key: z.string(), content: z.string() })),
  openGraph: z.record(z.string(), z.string()),
  canonical: z.string().nullable(),
  scrollHeight: z.number(),
});

export type PageExtract = z.infer<typeof extractSchema>;

/*
 * Runs inside the captured page. It only reads: nothing here may change what the page shows.
 * Kept as source text because the node tsconfig has no DOM types and the result is parsed anyway.
 */
const EXTRACT_SCRIPT = `(() => {
  const d = document;
  const abs = (h) => { try { return new URL(h, d.baseURI).href; } catch { return null; } };
  const seen = new Set();
  const outlinks = [];
  for (const a of d.querySelectorAll('a[href], area[href]')) {
    const href = abs(a.getAttribute('href'));
    if (!href || !/^https?:/.test(href) || seen.has(href)) continue;
    seen.add(href);
    outlinks.push({ href, text: (a.innerText || a.textContent || '').trim().slice(0, 500) });
  }
  const meta = [];
  const og = {};
  for (const m of d.querySelectorAll('meta')) {
    const key = m.getAttribute('property') || m.getAttribute('name') || m.getAttribute('http-equiv') || m.getAttribute('charset') && 'charset';
    const content = m.getAttribute('content') ?? m.getAttribute('charset') ?? '';
    if (!key) continue;
    meta.push({ key, content });
    if (/^og:/i.test(key) && !(key in og)) og[key] = content;
  }
  const canonical = d.querySelector('link[rel~="canonical"]');
  return {
    url: location.href,
    title: d.title || '',
    lang: d.documentElement.getAttribute('lang'),
    dir: d.documentElement.getAttribute('dir'),
    text: d.body ? d.body.innerText : (d.documentElement.innerText || ''),
    outlinks,
    meta,
    openGraph: og,
    canonical: canonical ? abs(canonical.getAttribute('href')) : null,
    scrollHeight: Math.max(d.documentElement.scrollHeight, d.body ? d.body.scrollHeight : 0),
  };
})()`;

export async function extractPage(page: Page, deadline: number, signal?: AbortSignal): Promise<PageExtract> {
  const raw: unknown = await bounded(page.evaluate(EXTRACT_SCRIPT), deadline, 'page extraction', signal);
  return extractSchema.parse(raw);
}

export type ConsoleEntry = Readonly<{
  at: string;
  type: string;
  text: string;
  url: string | null;
  line: number | null;
}>;

export type ConsoleLog = { entries: ConsoleEntry[]; stop(): void };

/** Console messages and uncaught page errors, in arrival order, timestamped by the injected clock. */
/**
 * Console calls come straight from the capture's own CDP session (Runtime.consoleAPICalled):
 * puppeteer's `console` event drops a call made before it has matched the page's new execution
 * context, which loses the first script's output on a busy machine. Page errors keep puppeteer's
 * event, which is not tied to a context. `Runtime.enable` on this session is sent by the caller.
 */
export function recordConsole(page: Page, session: CDPSession, clock: () => Date): ConsoleLog {
  const entries: ConsoleEntry[] = [];
  const onConsole = (e: Protocol.Runtime.ConsoleAPICalledEvent): void => {
    const frame = e.stackTrace?.callFrames[0];
    entries.push({
      at: clock().toISOString(),
      type: e.type === 'warning' ? 'warn' : e.type,
      text: e.args.map(consoleArgText).join(' '),
      url: frame?.url ?? null,
      line: frame?.lineNumber ?? null,
    });
  };
  const onError = (err: unknown): void => {
    entries.push({
      at: clock().toISOString(),
      type: 'pageerror',
      text: err instanceof Error ? err.message : String(err),
      url: null,
      line: null,
    });
  };
  session.on('Runtime.consoleAPICalled', onConsole);
  page.on('pageerror', onError);
  return {
    entries,
    stop() {
      session.off('Runtime.consoleAPICalled', onConsole);
      page.off('pageerror', onError);
    },
  };
}

/** One console argument as text, the way a console shows it: the value of a primitive, else its description. */
function consoleArgText(arg: Protocol.Runtime.RemoteObject): string {
  if (arg.type === 'string' && typeof arg.value === 'string') return arg.value;
  if (arg.unserializableValue !== undefined) return arg.unserializableValue;
  if (arg.value !== undefined && arg.type !== 'object') return String(arg.value);
  return arg.description ?? arg.type;
}
