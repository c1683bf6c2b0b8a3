import {
  allAssessments,
  currentHashListEntries,
  hashKnowledgeGeneration,
  type AssessmentRow,
  type CurrentEntry,
} from '../db/repositories/hash-lists-repo';
import type { Workspace } from '../workspace';
import { createKeyedSettings } from '../settings/keyed-settings';
import { pdqWords, popcount32 } from './pdq';

/**
 * Is this media item known? Against the newest version of every imported hash list (exact SHA-256,
 * exact MD5, PDQ within the `hashlist.pdqDistance` Hamming distance, 31 of 256 by default) and
 * against what reviewers already assessed (same SHA-256, or a PDQ within the same distance).
 *
 * Invariant: a match reflects what is committed — each call compares a cheap generation counter of
 * the lists and assessments with the one its in-memory index was built from and rebuilds when
 * another process (a `vigil hashlist import`) has moved it. PDQs are packed 8 words per entry in one
 * Uint32Array and scanned with popcounts: a million entries is a few milliseconds per item.
 */

/** `pdqQuality` as hashMedia gives it: a PDQ below MIN_PDQ_QUALITY is not compared (exact hashes still are). */
export type MediaHashQuery = Readonly<{
  sha256: string;
  md5: string;
  pdq: string | null;
  pdqQuality?: number | null | undefined;
}>;

/**
 * The PDQ authors' advice: a hash of quality below 50 (flat or nearly featureless images — spacers,
 * icons, solid banners) says too little about the picture to count as a match, and a false match
 * here flags a resource as suspected abuse material.
 */
export const MIN_PDQ_QUALITY = 50;

const comparablePdq = (h: MediaHashQuery): string | null =>
  h.pdq === null || (typeof h.pdqQuality === 'number' && h.pdqQuality < MIN_PDQ_QUALITY)
    ? null
    : h.pdq.toLowerCase();

export type MatchKind = 'sha256' | 'md5' | 'pdq';

export type ListMatch = Readonly<{
  list: string;
  version: string;
  label: string;
  by: MatchKind;
  /** Hamming distance of the PDQs, for `by: 'pdq'`. */
  distance?: number;
}>;

export type PriorAssessment = Readonly<{
  label: string;
  assessedBy: string;
  assessedAt: string;
  captureId: string | null;
  by: 'sha256' | 'pdq';
  distance?: number;
}>;

export type MediaMatcher = Readonly<{
  match: (hashes: MediaHashQuery) => Promise<ReadonlyArray<ListMatch>>;
  /** The newest assessment of this item or of a PDQ-near one (the nearest wins, then the newest). */
  assessmentFor: (hashes: MediaHashQuery) => Promise<PriorAssessment | null>;
  /** The PDQ distance in force (from the setting, bounded to 0–256). */
  pdqThreshold: () => Promise<number>;
  /** Whether any list is imported (a capture with nothing to match need not hash its media). */
  hasLists: () => Promise<boolean>;
  /** Whether there is anything to recognise an item by: a list entry or an earlier assessment. */
  hasKnownItems: () => Promise<boolean>;
  /** The best match in one line for the capture record (exact before PDQ, then the nearest), or null. */
  firstMatch: (hashes: MediaHashQuery) => Promise<CaptureListMatch | null>;
}>;

/** `how`: `sha256`, `md5`, or `pdq (distance 12 of 256)`. */
export type CaptureListMatch = Readonly<{ list: string; version: string; label: string; how: string }>;

export const DEFAULT_PDQ_DISTANCE = 31;

/** PDQs packed for scanning: entry i is words [8i, 8i+8). */
export type PackedPdqs = Readonly<{ words: Uint32Array; count: number }>;

export function packPdqs(hexes: readonly string[]): PackedPdqs {
  const words = new Uint32Array(hexes.length * 8);
  hexes.forEach((hex, i) => words.set(pdqWords(hex), i * 8));
  return { words, count: hexes.length };
}

/** Every (index, distance) of the packed PDQs within `threshold` of `query`. */
export function pdqNear(
  packed: PackedPdqs,
  query: string,
  threshold: number,
): Array<{ index: number; distance: number }> {
  const q = pdqWords(query);
  const [q0, q1, q2, q3, q4, q5, q6, q7] = [
    q[0] ?? 0,
    q[1] ?? 0,
    q[2] ?? 0,
    q[3] ?? 0,
    q[4] ?? 0,
    q[5] ?? 0,
    q[6] ?? 0,
    q[7] ?? 0,
  ];
  const w = packed.words;
  const hits: Array<{ index: number; distance: number }> = [];
  for (let i = 0, o = 0; i < packed.count; i += 1, o += 8) {
    let d = popcount32((w[o] ?? 0) ^ q0) + popcount32((w[o + 1] ?? 0) ^ q1);
    d += popcount32((w[o + 2] ?? 0) ^ q2) + popcount32((w[o + 3] ?? 0) ^ q3);
    if (d > threshold) continue;
    d += popcount32((w[o + 4] ?? 0) ^ q4) + popcount32((w[o + 5] ?? 0) ^ q5);
    if (d > threshold) continue;
    d += popcount32((w[o + 6] ?? 0) ^ q6) + popcount32((w[o + 7] ?? 0) ^ q7);
    if (d <= threshold) hits.push({ index: i, distance: d });
  }
  return hits;
}

type Index = Readonly<{
  generation: string;
  entries: readonly CurrentEntry[];
  bySha256: ReadonlyMap<string, number[]>;
  byMd5: ReadonlyMap<string, number[]>;
  pdqs: PackedPdqs;
  pdqEntry: Int32Array;
  assessments: readonly AssessmentRow[];
  assessmentBySha256: ReadonlyMap<string, AssessmentRow>;
  assessmentPdqs: PackedPdqs;
  assessmentPdqRow: readonly AssessmentRow[];
}>;

function push(map: Map<string, number[]>, key: string | null, index: number): void {
  if (key === null) return;
  const list = map.get(key);
  if (list === undefined) map.set(key, [index]);
  else list.push(index);
}

function buildIndex(generation: string, entries: CurrentEntry[], assessments: AssessmentRow[]): Index {
  const bySha256 = new Map<string, number[]>();
  const byMd5 = new Map<string, number[]>();
  const pdqHexes: string[] = [];
  const pdqEntry: number[] = [];
  entries.forEach((e, i) => {
    push(bySha256, e.sha256, i);
    push(byMd5, e.md5, i);
    if (e.pdq !== null) {
      pdqHexes.push(e.pdq);
      pdqEntry.push(i);
    }
  });
  // Oldest first, so the newest assessment of a SHA-256 is the one left in the map.
  const assessmentBySha256 = new Map(assessments.map((a) => [a.sha256, a]));
  const withPdq = assessments.filter((a): a is AssessmentRow & { pdq: string } => a.pdq !== null);
  return {
    generation,
    entries,
    bySha256,
    byMd5,
    pdqs: packPdqs(pdqHexes),
    pdqEntry: Int32Array.from(pdqEntry),
    assessments,
    assessmentBySha256,
    assessmentPdqs: packPdqs(withPdq.map((a) => a.pdq)),
    assessmentPdqRow: withPdq,
  };
}

export type MediaMatcherDeps = Readonly<{ ws: Workspace }>;

export function createMediaMatcher(deps: MediaMatcherDeps): MediaMatcher {
  const { ws } = deps;
  const settings = createKeyedSettings(ws);
  let index: Index | null = null;
  let building: Promise<Index> | null = null;

  const current = async (): Promise<Index> => {
    const generation = await ws.db.read((c) => hashKnowledgeGeneration(c));
    if (index !== null && index.generation === generation) return index;
    // One rebuild at a time: concurrent captures share it.
    building ??= ws.db
      .read(async (c) => buildIndex(generation, await currentHashListEntries(c), await allAssessments(c)))
      .finally(() => {
        building = null;
      });
    index = await building;
    return index;
  };

  const pdqThreshold = async (): Promise<number> => {
    const value = await settings.get('hashlist.pdqDistance');
    return typeof value === 'number' && Number.isInteger(value)
      ? Math.min(256, Math.max(0, value))
      : DEFAULT_PDQ_DISTANCE;
  };

  const match: MediaMatcher['match'] = async (hashes) => {
    const ix = await current();
    const threshold = await pdqThreshold();
    const matches: ListMatch[] = [];
    const seen = new Set<number>();
    const add = (i: number, by: MatchKind, distance?: number): void => {
      const e = ix.entries[i];
      if (e === undefined || seen.has(i)) return;
      seen.add(i);
      matches.push({
        list: e.list,
        version: e.version,
        label: e.label,
        by,
        ...(distance === undefined ? {} : { distance }),
      });
    };
    for (const i of ix.bySha256.get(hashes.sha256.toLowerCase()) ?? []) add(i, 'sha256');
    for (const i of ix.byMd5.get(hashes.md5.toLowerCase()) ?? []) add(i, 'md5');
    const pdq = comparablePdq(hashes);
    if (pdq !== null) {
      const near = pdqNear(ix.pdqs, pdq, threshold).sort((a, b) => a.distance - b.distance);
      for (const hit of near) add(ix.pdqEntry[hit.index] ?? -1, 'pdq', hit.distance);
    }
    return matches;
  };

  return {
    pdqThreshold,
    match,
    async hasLists() {
      return (await current()).entries.length > 0;
    },
    async hasKnownItems() {
      const ix = await current();
      return ix.entries.length > 0 || ix.assessmentBySha256.size > 0;
    },
    async firstMatch(hashes) {
      const [best] = await match(hashes);
      if (best === undefined) return null;
      const how = best.by === 'pdq' ? `pdq (distance ${best.distance ?? 0} of 256)` : best.by;
      return { list: best.list, version: best.version, label: best.label, how };
    },
    async assessmentFor(hashes) {
      const ix = await current();
      const exact = ix.assessmentBySha256.get(hashes.sha256.toLowerCase());
      const view = (a: AssessmentRow, by: 'sha256' | 'pdq', distance?: number): PriorAssessment => ({
        label: a.label,
        assessedBy: a.assessedBy,
        assessedAt: a.assessedAt,
        captureId: a.captureId,
        by,
        ...(distance === undefined ? {} : { distance }),
      });
      if (exact !== undefined) return view(exact, 'sha256');
      const pdq = comparablePdq(hashes);
      if (pdq === null) return null;
      const near = pdqNear(ix.assessmentPdqs, pdq, await pdqThreshold());
      // Nearest first; among equals the newest (higher seq).
      let best: { row: AssessmentRow; distance: number } | null = null;
      for (const hit of near) {
        const row = ix.assessmentPdqRow[hit.index];
        if (row === undefined) continue;
        if (
          best === null ||
          hit.distance < best.distance ||
          (hit.distance === best.distance && row.seq > best.row.seq)
        )
          best = { row, distance: hit.distance };
      }
      return best === null ? null : view(best.row, 'pdq', best.distance);
    },
  };
}
