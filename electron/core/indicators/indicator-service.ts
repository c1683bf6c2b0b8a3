import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  DecisionSuggestion,
  IndicatorCounts,
  IndicatorExportFormat,
  IndicatorHolders,
  IndicatorNetwork,
  IntakeHint,
  ResourceIndicators,
} from '@shared/contract/methods/indicators';
import { IndicatorType } from '@shared/domain/indicators';
import type { Language } from '@shared/domain/resources';
import { AppError } from '@shared/errors/app-error';
import { getCapture } from '../db/repositories/captures-repo';
import {
  capturesToExtract,
  holdersOfIndicator,
  indicatorCountsOf,
  insertExtractionRun,
  insertLexiconVersion,
  lexiconHitsOfResource,
  listLexiconVersions,
  occurrencesOfResources,
  sharedIndicatorsOf,
  type LexiconVersionRow,
  type OccurrenceRow,
} from '../db/repositories/indicators-repo';
import type { Workspace } from '../workspace';
import { findingsOfCapture } from './capture-indicators';
import { suggestDecision } from './decision-suggestion';
import { exportIndicators } from './indicator-file-export';
import {
  EXTRACTOR_VERSION,
  compileLexicons,
  extractIndicators,
  parseLexiconFile,
  type Lexicon,
} from './extract';

/**
 * Indicators per capture, kept and queried. Extraction runs after a capture is sealed (never inside
 * its timed stages) and again for every capture whose newest run is older than EXTRACTOR_VERSION or
 * used other lexicon versions (`vigil indicators reextract`); each run is new rows and a custody
 * event, never an edit. Lexicons are versioned rows: the shipped files are imported on first use, an
 * admin's import adds a version, and a file that changes a stored version's content is refused.
 */
export type IndicatorService = Readonly<{
  extractCapture: (captureId: string, actor: string) => Promise<{ indicators: number; hits: number }>;
  reextract: (
    actor: string,
  ) => Promise<{ extracted: number; failed: { captureId: string; error: string }[] }>;
  ofResource: (resourceId: string) => Promise<ResourceIndicators>;
  holders: (type: IndicatorType, value: string) => Promise<IndicatorHolders>;
  intakeHints: (resourceId: string) => Promise<IntakeHint[]>;
  /**
   * What `report add` says about a report: the indicators its own URL carries (a `t.me/…` or `wa.me/…`
   * report) and those of the resource's captures, each with the other resources holding it.
   */
  reportHints: (resourceId: string, url: string) => Promise<IntakeHint[]>;
  /** A bulk import's hint: how many reports share an indicator with known resources, the widest shared. */
  intakeSummary: (
    reports: readonly Readonly<{ resourceId: string; url: string }>[],
  ) => Promise<{ sharing: number; top: IntakeHint[] }>;
  network: (resourceId: string, maxNodes?: number) => Promise<IndicatorNetwork>;
  occurrencesOf: (resourceIds: readonly string[]) => Promise<OccurrenceRow[]>;
  /** A draft of the decision's facts and keywords from the hits and indicators (the reviewer edits it). */
  suggestDecision: (resourceId: string, language: Language) => Promise<DecisionSuggestion>;
  counts: (resourceIds: readonly string[]) => Promise<IndicatorCounts[]>;
  /** Writes a case's or resources' indicators to `file` (never over an existing one unless `overwrite`). */
  exportTo: (
    target: ExportTarget,
    format: IndicatorExportFormat,
    file: string,
    opts: Readonly<{ actor: string; overwrite?: boolean }>,
  ) => Promise<ExportResult>;
  lexicons: () => Promise<LexiconVersionRow[]>;
  importLexicon: (
    file: string,
    actor: string,
  ) => Promise<{ lexiconId: string; version: number; added: boolean }>;
}>;

import type { ExportResult, ExportTarget } from './indicator-file-export';

export type { ExportResult, ExportTarget };

const LEXICON_DIR = 'lexicons';

/** Looks for resources/lexicons above this module (source tree, bundled out/, packaged resources). */
export function findLexiconDir(): string | null {
  const candidates: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', LEXICON_DIR));
    dir = dirname(dir);
  }
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath !== undefined) candidates.push(join(resourcesPath, LEXICON_DIR));
  candidates.push(resolve('resources', LEXICON_DIR));
  return candidates.find((c) => existsSync(c)) ?? null;
}

export function createIndicatorService(
  ws: Workspace,
  opts: Readonly<{ lexiconDir?: string | null }> = {},
): IndicatorService {
  let shippedLoaded: Promise<void> | null = null;

  /** Stores a lexicon version unless that exact version is already kept; a changed one is refused. */
  async function storeLexicon(
    lexicon: Lexicon,
    body: string,
    actor: string,
    source: string,
  ): Promise<boolean> {
    const sha256 = createHash('sha256').update(body).digest('hex');
    return ws.record(async (tx, audit) => {
      const existing = (await listLexiconVersions(tx)).find(
        (l) => l.lexiconId === lexicon.id && l.version === lexicon.version,
      );
      if (existing !== undefined) {
        if (existing.sha256 === sha256) return false;
        throw new AppError(
          'input.invalid',
          `${source}: lexicon ${lexicon.id} version ${lexicon.version} is already kept with other content; a changed lexicon needs a new version`,
        );
      }
      await insertLexiconVersion(tx, {
        lexiconId: lexicon.id,
        version: lexicon.version,
        language: lexicon.language,
        category: lexicon.category,
        source: lexicon.source,
        body,
        sha256,
        importedAt: ws.clock().toISOString(),
        importedBy: actor,
      });
      await audit({
        actor,
        action: 'lexicon.imported',
        subject: `lexicon:${lexicon.id}`,
        details: { version: lexicon.version, sha256, terms: lexicon.terms.length, file: source },
      });
      return true;
    });
  }

  const ensureShipped = (): Promise<void> => {
    shippedLoaded ??= (async () => {
      const dir = opts.lexiconDir === undefined ? findLexiconDir() : opts.lexiconDir;
      if (dir === null) return;
      for (const { lexicon, body, file } of await shippedLexicons(dir))
        await storeLexicon(lexicon, body, 'system', file);
    })();
    return shippedLoaded;
  };

  /** The newest kept version of each lexicon: what extraction matches against. */
  async function activeLexicons(): Promise<{ lexicons: Lexicon[]; names: string[] }> {
    await ensureShipped();
    const rows = await ws.db.read((c) => listLexiconVersions(c));
    const newest = new Map<string, LexiconVersionRow>();
    for (const r of rows) if (!newest.has(r.lexiconId)) newest.set(r.lexiconId, r);
    const lexicons = [...newest.values()].map((r) => parseLexiconFile(r.body, `lexicon ${r.lexiconId}`));
    return { lexicons, names: lexicons.map((l) => `${l.id}@${l.version}`).sort() };
  }

  async function extractCapture(captureId: string, actor: string) {
    const { lexicons, names } = await activeLexicons();
    const record = await ws.db.read((c) => getCapture(c, captureId, ws.blobs.pathOf));
    if (record === null) throw new AppError('evidence.not-found', `no capture ${captureId}`);
    const findings = await findingsOfCapture(ws.blobs, record, compileLexicons(lexicons));
    const distinct = new Set(findings.occurrences.map((o) => `${o.type}:${o.value}`)).size;
    await ws.record(async (tx, audit) => {
      const runId = await insertExtractionRun(
        tx,
        {
          captureId,
          resourceId: record.resourceId,
          extractorVersion: EXTRACTOR_VERSION,
          lexicons: names,
          at: ws.clock().toISOString(),
          capturedAt: record.startedAt,
        },
        findings.occurrences,
        findings.hits,
      );
      await audit({
        actor,
        action: 'indicators.extracted',
        subject: `capture:${captureId}`,
        details: {
          run: runId,
          extractorVersion: EXTRACTOR_VERSION,
          lexicons: names,
          indicators: distinct,
          occurrences: findings.occurrences.length,
          hits: findings.hits.length,
        },
      });
    });
    return { indicators: distinct, hits: findings.hits.length };
  }

  async function reextract(actor: string) {
    const { names } = await activeLexicons();
    const todo = await ws.db.read((c) => capturesToExtract(c, EXTRACTOR_VERSION, names));
    const failed: { captureId: string; error: string }[] = [];
    let extracted = 0;
    for (const { captureId } of todo) {
      try {
        await extractCapture(captureId, actor);
        extracted += 1;
      } catch (error) {
        failed.push({ captureId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return { extracted, failed };
  }

  async function ofResource(resourceId: string): Promise<ResourceIndicators> {
    const [rows, shared, hits] = await ws.db.read(
      async (c) =>
        [
          await occurrencesOfResources(c, [resourceId]),
          await sharedIndicatorsOf(c, resourceId),
          await lexiconHitsOfResource(c, resourceId),
        ] as const,
    );
    const share = new Map(shared.map((s) => [`${s.type}:${s.value}`, s]));
    const grouped = new Map<string, ResourceIndicators['indicators'][number]>();
    for (const r of rows) {
      const key = `${r.type}:${r.value}`;
      let entry = grouped.get(key);
      if (entry === undefined) {
        const s = share.get(key);
        entry = {
          type: IndicatorType.parse(r.type),
          value: r.value,
          occurrences: [],
          sharedWith: s?.resources ?? 0,
          sharedBlocked: s?.blocked ?? 0,
        };
        grouped.set(key, entry);
      }
      entry.occurrences.push({
        captureId: r.captureId,
        capturedAt: r.capturedAt,
        artifact: r.artifact,
        artifactName: r.artifactName,
        offset: r.offset,
        length: r.length,
        raw: r.raw,
        box: boxOf(r),
        extractorVersion: r.extractorVersion,
      });
    }
    return {
      resourceId,
      indicators: [...grouped.values()],
      hits: hits.map((h) => ({
        captureId: h.captureId,
        lexiconId: h.lexiconId,
        lexiconVersion: h.lexiconVersion,
        termId: h.termId,
        term: h.term,
        category: h.category,
        language: h.language,
        offset: h.offset,
        length: h.length,
        box: boxOf(h),
      })),
    };
  }

  async function holders(type: IndicatorType, value: string): Promise<IndicatorHolders> {
    const rows = await ws.db.read((c) => holdersOfIndicator(c, type, value));
    const byResource = new Map<string, IndicatorHolders['resources'][number]>();
    for (const r of rows) {
      let h = byResource.get(r.resourceId);
      if (h === undefined) {
        h = {
          resourceId: r.resourceId,
          url: r.url,
          state: r.state,
          firstSeen: r.capturedAt,
          lastSeen: r.capturedAt,
          captures: [],
        };
        byResource.set(r.resourceId, h);
      }
      if (r.capturedAt < h.firstSeen) h.firstSeen = r.capturedAt;
      if (r.capturedAt > h.lastSeen) h.lastSeen = r.capturedAt;
      h.captures.push({ captureId: r.captureId, capturedAt: r.capturedAt, occurrences: r.occurrences });
    }
    return { type, value, resources: [...byResource.values()] };
  }

  async function intakeHints(resourceId: string): Promise<IntakeHint[]> {
    const shared = await ws.db.read((c) => sharedIndicatorsOf(c, resourceId));
    return shared.map((s) => ({
      type: IndicatorType.parse(s.type),
      value: s.value,
      resources: s.resources,
      blocked: s.blocked,
    }));
  }

  async function reportHints(resourceId: string, url: string): Promise<IntakeHint[]> {
    const fromUrl = extractIndicators({ text: '', url, links: [] }, { defaultRegion: null });
    const out = new Map<string, IntakeHint>();
    for (const h of await intakeHints(resourceId)) out.set(`${h.type}:${h.value}`, h);
    for (const f of fromUrl) {
      const key = `${f.type}:${f.value}`;
      if (out.has(key)) continue;
      const held = (await ws.db.read((c) => holdersOfIndicator(c, f.type, f.value))).filter(
        (h) => h.resourceId !== resourceId,
      );
      const resources = new Map(held.map((h) => [h.resourceId, h.state]));
      if (resources.size === 0) continue;
      const blocked = [...resources.values()].filter((s) => s === 'blocked' || s === 'block_verified').length;
      out.set(key, { type: f.type, value: f.value, resources: resources.size, blocked });
    }
    return [...out.values()].filter((h) => h.resources > 0);
  }

  async function intakeSummary(reports: readonly Readonly<{ resourceId: string; url: string }>[]) {
    let sharing = 0;
    const widest = new Map<string, IntakeHint>();
    for (const r of reports) {
      const hints = await reportHints(r.resourceId, r.url);
      if (hints.length > 0) sharing += 1;
      for (const h of hints) {
        const key = `${h.type}:${h.value}`;
        const seen = widest.get(key);
        if (seen === undefined || h.resources > seen.resources) widest.set(key, h);
      }
    }
    const top = [...widest.values()].sort((a, b) => b.resources - a.resources).slice(0, 5);
    return { sharing, top };
  }

  /** Breadth-first from the resource over shared indicators, up to `maxNodes` resources. */
  async function network(resourceId: string, maxNodes = 200): Promise<IndicatorNetwork> {
    const resources = new Map<string, IndicatorNetwork['resources'][number]>();
    const indicators = new Map<string, IndicatorNetwork['indicators'][number]>();
    const edges: IndicatorNetwork['edges'] = [];
    const edgeKeys = new Set<string>();
    let frontier = [resourceId];
    let truncated = false;
    while (frontier.length > 0) {
      const next: string[] = [];
      const rows = await ws.db.read((c) => occurrencesOfResources(c, frontier));
      for (const r of rows) {
        const key = `${r.type}:${r.value}`;
        if (indicators.has(key)) continue;
        const type = IndicatorType.parse(r.type);
        const held = await ws.db.read((c) => holdersOfIndicator(c, type, r.value));
        const holding = new Set(held.map((h) => h.resourceId));
        indicators.set(key, { type, value: r.value, resources: holding.size });
        for (const h of held) {
          if (!resources.has(h.resourceId)) {
            if (resources.size >= maxNodes) {
              truncated = true;
              continue;
            }
            resources.set(h.resourceId, { id: h.resourceId, url: h.url, state: h.state, indicators: 0 });
            if (h.resourceId !== resourceId) next.push(h.resourceId);
          }
          const edge = `${h.resourceId} ${key}`;
          if (edgeKeys.has(edge)) continue;
          edgeKeys.add(edge);
          edges.push({ resourceId: h.resourceId, type, value: r.value });
          const node = resources.get(h.resourceId);
          if (node) node.indicators += 1;
        }
      }
      frontier = next;
    }
    if (!resources.has(resourceId)) {
      const own = await ws.db.read((c) => occurrencesOfResources(c, [resourceId]));
      if (own.length === 0) return { resources: [], indicators: [], edges: [], truncated: false };
    }
    return { resources: [...resources.values()], indicators: [...indicators.values()], edges, truncated };
  }

  return {
    extractCapture,
    reextract,
    suggestDecision: async (resourceId, language) => suggestDecision(await ofResource(resourceId), language),
    counts: (ids) => ws.db.read((c) => indicatorCountsOf(c, ids)),
    exportTo: (target, format, file, opts) => exportIndicators(ws, target, format, file, opts),
    ofResource,
    holders,
    intakeHints,
    reportHints,
    intakeSummary,
    network,
    occurrencesOf: (ids) => ws.db.read((c) => occurrencesOfResources(c, ids)),
    lexicons: async () => {
      await ensureShipped();
      return ws.db.read((c) => listLexiconVersions(c));
    },
    importLexicon: async (file, actor) => {
      await ensureShipped();
      const body = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new AppError('input.invalid', `${file} cannot be read (${error.code ?? error.message})`);
      });
      const lexicon = parseLexiconFile(body, file);
      const added = await storeLexicon(lexicon, body, actor, file);
      return { lexiconId: lexicon.id, version: lexicon.version, added };
    },
  };
}

function boxOf(
  r: Readonly<{ boxX: number | null; boxY: number | null; boxW: number | null; boxH: number | null }>,
) {
  return r.boxX === null || r.boxY === null || r.boxW === null || r.boxH === null
    ? null
    : { x: r.boxX, y: r.boxY, w: r.boxW, h: r.boxH };
}

async function shippedLexicons(dir: string): Promise<{ lexicon: Lexicon; body: string; file: string }[]> {
  const out: { lexicon: Lexicon; body: string; file: string }[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!name.endsWith('.json') || name.includes('schema')) continue;
    const file = join(dir, name);
    const body = await readFile(file, 'utf8');
    out.push({ lexicon: parseLexiconFile(body, file), body, file: name });
  }
  return out;
}
