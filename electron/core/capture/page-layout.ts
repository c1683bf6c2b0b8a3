import { z } from 'zod';
import type { Page } from 'puppeteer-core';
import { bounded } from './deadline';

/**
 * The page's layout at the snapshot, compact: for each element that carries its own text, each link
 * and each element with data-* attributes, that text (or href / data values) and its box in
 * document coordinates (CSS px from the top-left of the page). It lets an indicator found in the
 * text be located on the full-page screenshot without drawing anything into it. One read-only
 * `page.evaluate`; bounded in entries and text so a huge page cannot make it expensive.
 */
export const LAYOUT_VERSION = 1;
/** The artifact's name in every capture (kind `layout`). */
export const LAYOUT_NAME = 'layout.json';
const MAX_ENTRIES = 20_000;
const MAX_TEXT = 2_000;

export const LayoutEntry = z.object({
  /** `t` own text of a block; `a` a link (href in `h`); `d` data-* values (in `v`). */
  k: z.enum(['t', 'a', 'd']),
  s: z.string(),
  h: z.string().optional(),
  v: z.array(z.string()).optional(),
  x: z.number(),
  y: z.number(),
  w: z.number(),
  h2: z.number(),
});
export type LayoutEntry = z.infer<typeof LayoutEntry>;

export const PageLayout = z.object({
  version: z.literal(LAYOUT_VERSION),
  devicePixelRatio: z.number(),
  truncated: z.boolean(),
  entries: z.array(LayoutEntry),
});
export type PageLayout = z.infer<typeof PageLayout>;

/*
 * Runs inside the captured page and only reads. Own text = the element's direct text nodes, with
 * whitespace collapsed, so nested elements do not repeat their children's text (the artifact stays
 * linear in the page's size). Kept as source text: the node tsconfig has no DOM types.
 */
const LAYOUT_SCRIPT = `(() => {
  const d = document, sx = window.scrollX, sy = window.scrollY;
  const out = []; let truncated = false;
  const root = d.body || d.documentElement;
  const walker = d.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
  const round = (n) => Math.round(n * 10) / 10;
  for (let el = walker.currentNode; el; el = walker.nextNode()) {
    const tag = el.tagName;
    if (tag === 'SCRIPT' || tag === 'STYLE' || tag === 'NOSCRIPT' || tag === 'TEMPLATE') continue;
    let own = '';
    for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3) own += n.nodeValue;
    own = own.replace(/\\s+/g, ' ').trim();
    const isLink = tag === 'A' && el.hasAttribute('href');
    const data = [];
    for (const a of el.attributes) if (a.name.startsWith('data-') && a.value.trim() !== '') data.push(a.value.slice(0, ${MAX_TEXT}));
    if (own === '' && !isLink && data.length === 0) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (out.length >= ${MAX_ENTRIES}) { truncated = true; break; }
    const box = { x: round(r.left + sx), y: round(r.top + sy), w: round(r.width), h2: round(r.height) };
    if (isLink) out.push({ k: 'a', s: (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, ${MAX_TEXT}), h: el.href, ...box });
    else if (own !== '') out.push({ k: 't', s: own.slice(0, ${MAX_TEXT}), ...box });
    if (data.length > 0) out.push({ k: 'd', s: '', v: data, ...box });
  }
  return JSON.stringify({ version: ${LAYOUT_VERSION}, devicePixelRatio: window.devicePixelRatio || 1, truncated, entries: out });
})()`;

/**
 * The layout as the page serialised it (one string crosses the protocol: far cheaper than a large
 * object), kept byte for byte as the artifact; parsed here only to check its shape.
 */
export async function readPageLayout(page: Page, deadline: number, signal?: AbortSignal): Promise<string> {
  const raw: unknown = await bounded(page.evaluate(LAYOUT_SCRIPT), deadline, 'page layout', signal);
  if (typeof raw !== 'string') throw new Error('the page layout script returned no text');
  return raw;
}

/** A stored layout artifact, or null when it is not one (an older or damaged file is not guessed at). */
export function parsePageLayout(text: string): PageLayout | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = PageLayout.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** What the manifest says this artifact is made of and how (derivations.ts keeps a stated one). */
export const LAYOUT_METHOD =
  'one read-only page.evaluate: own text, link href and data-* values of each element with its getBoundingClientRect() + scroll offset (CSS px, document coordinates)';
