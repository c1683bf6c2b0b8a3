import { createHash } from 'node:crypto';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { AppError } from '@shared/errors/app-error';
import { checkedAgainstManifests } from '../capture/manifest-view';
import { LAYOUT_NAME, parsePageLayout, type PageLayout } from '../capture/page-layout';
import type { NewLexiconHit, NewOccurrence } from '../db/repositories/indicators-repo';
import type { BlobStore } from '../store/blob-store';
import {
  extractIndicators,
  matchLexicons,
  type CompiledLexicons,
  type CountryCode,
  type ExtractedIndicator,
} from './extract';
import { layoutBoxes, type LayoutBoxes } from './layout-boxes';

/**
 * What a sealed capture holds, as indicators and coded-term hits with where each was found. It reads
 * only the capture's own artifacts, each held against the hash its signed manifest lists (a capture
 * whose row disagrees with its manifest, or a blob that does not hash to its listed value, is
 * refused: indicators are evidence derived from evidence). Stages:
 *   1. verified artifacts: the text, the metadata (outlinks) and the layout (boxes, all links, data-*)
 *   2. extraction and lexicon matching (pure, versioned: electron/core/indicators/extract)
 *   3. placement: each occurrence gets its artifact and, where the layout has it, its screenshot box
 */
export type CaptureFindings = Readonly<{ occurrences: NewOccurrence[]; hits: NewLexiconHit[] }>;

export async function findingsOfCapture(
  blobs: BlobStore,
  record: CaptureRecord,
  lexicons: CompiledLexicons,
): Promise<CaptureFindings> {
  const sources = await verifiedSources(blobs, record);
  const boxes = layoutBoxes(sources.layout);
  const links = sources.layout !== null ? boxes.links : sources.outlinks;
  const found = extractIndicators(
    { text: sources.text, url: record.finalUrl || record.url, links, dataAttributes: boxes.dataValues },
    { defaultRegion: regionOf(record.context.locale) },
  );
  const seen = new Map<string, number>();
  const occurrences = found.map((f) => placed(f, boxes, seen, sources.layout !== null));
  const hits: NewLexiconHit[] = matchLexicons(sources.text, lexicons).map((h) => ({
    lexiconId: h.lexiconId,
    lexiconVersion: h.lexiconVersion,
    termId: h.termId,
    term: h.term,
    category: h.category,
    language: h.language,
    offset: h.offset,
    length: h.length,
    box: boxes.forText(sources.text.slice(h.offset, h.offset + h.length), occurrencesBefore(sources.text, h)),
  }));
  return { occurrences, hits };
}

function placed(
  f: ExtractedIndicator,
  boxes: LayoutBoxes,
  seen: Map<string, number>,
  fromLayout: boolean,
): NewOccurrence {
  const base = { type: f.type, value: f.value, offset: f.offset, length: f.length, raw: f.raw };
  switch (f.source) {
    case 'text': {
      const nth = seen.get(`t:${f.raw}`) ?? 0;
      seen.set(`t:${f.raw}`, nth + 1);
      return { ...base, artifact: 'text', artifactName: 'text.txt', box: boxes.forText(f.raw, nth) };
    }
    case 'link':
      return {
        ...base,
        artifact: 'link',
        artifactName: fromLayout ? LAYOUT_NAME : 'metadata.json',
        box: fromLayout ? boxes.forLink(f.index) : null,
      };
    case 'data':
      return { ...base, artifact: 'dom', artifactName: LAYOUT_NAME, box: boxes.forData(f.index) };
    case 'url':
      return { ...base, artifact: 'url', artifactName: 'manifest.json', box: null };
  }
}

/** How many times the hit's exact text occurs before it: the n-th element holding that text. */
function occurrencesBefore(text: string, h: Readonly<{ offset: number; length: number }>): number {
  const needle = text.slice(h.offset, h.offset + h.length);
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1 && i < h.offset; i = text.indexOf(needle, i + 1)) n += 1;
  return n;
}

/** `ru-RU` → RU: the capture profile's locale names the region a local phone number is dialled in. */
export function regionOf(locale: string): CountryCode | null {
  const m = /^[a-z]{2,3}[-_]([A-Z]{2})\b/.exec(locale);
  return m?.[1] !== undefined ? (m[1] as CountryCode) : null;
}

type Sources = Readonly<{
  text: string;
  outlinks: { href: string; text: string }[];
  layout: PageLayout | null;
}>;

async function verifiedSources(blobs: BlobStore, record: CaptureRecord): Promise<Sources> {
  const [checked] = await checkedAgainstManifests(blobs, [record]);
  if (checked === undefined || (checked.tampered?.length ?? 0) > 0)
    throw new AppError(
      'evidence.integrity-mismatch',
      `capture ${record.id} disagrees with its signed manifest (${(checked?.tampered ?? []).join(', ')}): no indicators are derived from it`,
    );
  const read = async (name: string): Promise<string | null> => {
    const artifact = checked.artifacts.find((a) => a.name === name);
    if (artifact === undefined) return null;
    const bytes = await blobs.read(artifact.sha256);
    if (createHash('sha256').update(bytes).digest('hex') !== artifact.sha256)
      throw new AppError(
        'evidence.integrity-mismatch',
        `${name} of capture ${record.id} does not hash to the value its manifest lists`,
      );
    return bytes.toString('utf8');
  };
  const textName = checked.artifacts.find((a) => a.kind === 'text')?.name;
  const text = textName !== undefined ? ((await read(textName)) ?? '') : '';
  const metadata = await read('metadata.json');
  const layoutText = await read(LAYOUT_NAME);
  const outlinks = metadata !== null ? outlinksOf(metadata) : [];
  return { text, outlinks, layout: layoutText !== null ? parsePageLayout(layoutText) : null };
}

function outlinksOf(json: string): { href: string; text: string }[] {
  const parsed = JSON.parse(json) as { outlinks?: unknown };
  if (!Array.isArray(parsed.outlinks)) return [];
  return parsed.outlinks.flatMap((l: unknown) => {
    const o = l as { href?: unknown; text?: unknown };
    return typeof o.href === 'string'
      ? [{ href: o.href, text: typeof o.text === 'string' ? o.text : '' }]
      : [];
  });
}
