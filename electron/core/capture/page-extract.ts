import { z } from 'zod';
import type { ConsoleMessage, Page } from 'puppeteer-core';
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
export function recordConsole(page: Page, clock: () => Date): ConsoleLog {
  const entries: ConsoleEntry[] = [];
  const onConsole = (msg: ConsoleMessage): void => {
    const loc = msg.location();
    entries.push({
      at: clock().toISOString(),
      type: msg.type(),
      text: msg.text(),
      url: loc.url ?? null,
      line: loc.lineNumber ?? null,
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
  page.on('console', onConsole);
  page.on('pageerror', onError);
  return {
    entries,
    stop() {
      page.off('console', onConsole);
      page.off('pageerror', onError);
    },
  };
}
