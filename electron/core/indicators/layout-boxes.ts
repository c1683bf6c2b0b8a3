import type { PageLayout } from '../capture/page-layout';
import type { Box } from '../db/repositories/indicators-repo';

/**
 * Where on the full-page screenshot a piece of text, a link or a data-* value sits, from the
 * capture's layout artifact. Boxes are in screenshot pixels (CSS px × device pixel ratio). A text
 * occurrence maps to the smallest element whose own text contains it; the n-th occurrence of the
 * same string in the page text maps to the n-th such element (both follow document order), the last
 * one when the layout has fewer. Nothing found is null: a missing box is shown as "not located",
 * never guessed.
 */
export type LayoutBoxes = Readonly<{
  /** The n-th (0-based) time `raw` occurs in the text. */
  forText: (raw: string, nth: number) => Box | null;
  /** The link at `index` of `links` (links come from the layout in its order). */
  forLink: (index: number) => Box | null;
  forData: (index: number) => Box | null;
  links: readonly { href: string; text: string }[];
  dataValues: readonly string[];
}>;

export function layoutBoxes(layout: PageLayout | null): LayoutBoxes {
  const scale = layout?.devicePixelRatio ?? 1;
  const entries = layout?.entries ?? [];
  const toBox = (e: { x: number; y: number; w: number; h2: number }): Box => ({
    x: e.x * scale,
    y: e.y * scale,
    w: e.w * scale,
    h: e.h2 * scale,
  });
  const texts = entries.filter((e) => e.k === 't' || e.k === 'a');
  const linkEntries = entries.filter((e) => e.k === 'a');
  const data: { value: string; box: Box }[] = [];
  for (const e of entries) if (e.k === 'd') for (const v of e.v ?? []) data.push({ value: v, box: toBox(e) });
  const cache = new Map<string, Box[]>();
  return {
    forText(raw, nth) {
      let boxes = cache.get(raw);
      if (boxes === undefined) {
        const needle = raw.replace(/\s+/g, ' ').trim();
        boxes = texts.filter((e) => e.s.includes(needle)).map(toBox);
        cache.set(raw, boxes);
      }
      return boxes[Math.min(nth, boxes.length - 1)] ?? null;
    },
    forLink: (index) => {
      const e = linkEntries[index];
      return e ? toBox(e) : null;
    },
    forData: (index) => data[index]?.box ?? null,
    links: linkEntries.map((e) => ({ href: e.h ?? '', text: e.s })),
    dataValues: data.map((d) => d.value),
  };
}
