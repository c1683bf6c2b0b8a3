import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LegalBasis } from '@shared/domain/decision';
import type { LegalBasisId } from '@shared/domain/ids';
import { AppError } from '@shared/errors/app-error';
import { canonicalJson } from '../custody/canonical-json';
import type { WriteConn } from '../db/database';
import {
  countBases,
  getLatestBasis,
  insertBasis,
  listLatestBases,
} from '../db/repositories/legal-bases-repo';
import type { Workspace } from '../workspace';

const text = (max: number) => z.string().trim().min(1, 'required').max(max);

/**
 * One entry of a catalogue file under `resources/legal-bases/` (the JSON Schema there says the same).
 * Files name their entries with stable ids so that importing an edited file adds versions instead of
 * duplicates.
 */
export const CatalogueEntry = z
  .object({
    id: LegalBasis.shape.id,
    jurisdiction: text(100),
    instrument: text(300),
    article: text(200),
    title: text(300),
    referenceUrl: z
      .string()
      .max(2000)
      .regex(/^https?:\/\/\S+$/, 'an http(s) URL'),
    defaultCategory: LegalBasis.shape.defaultCategory,
    text: z.string().max(20_000).optional(),
    example: z.boolean().default(false),
  })
  .strict();
export type CatalogueEntry = z.output<typeof CatalogueEntry>;

export const CatalogueFile = z
  .object({
    $schema: z.string().optional(),
    title: text(300),
    description: z.string().max(5000).optional(),
    entries: z.array(CatalogueEntry).min(1).max(5000),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.entries.forEach((e, i) => {
      if (seen.has(e.id))
        ctx.addIssue({ code: 'custom', path: ['entries', i, 'id'], message: `duplicate id ${e.id}` });
      seen.add(e.id);
    });
  });
export type CatalogueFile = z.output<typeof CatalogueFile>;

/** What `basis.save` accepts: a catalogue entry whose id is optional (absent: a new entry). */
export const BasisDraft = LegalBasis.omit({ id: true, version: true }).extend({
  id: LegalBasis.shape.id.optional(),
});
export type BasisDraft = z.input<typeof BasisDraft>;

export type ImportOutcome = Readonly<{
  source: string;
  added: LegalBasisId[];
  revised: LegalBasisId[];
  unchanged: LegalBasisId[];
}>;

export type LegalBasisCatalogue = Readonly<{
  /** The newest version of every entry; on first use an empty catalogue is filled from the shipped files. */
  list: () => Promise<LegalBasis[]>;
  latest: (id: string) => Promise<LegalBasis | null>;
  /** A new entry or a new version of one; saving an unchanged entry adds nothing. */
  save: (draft: BasisDraft, actor: string) => Promise<LegalBasis>;
  importFile: (file: string, actor: string) => Promise<ImportOutcome>;
  /** Imports every shipped catalogue file when the catalogue is still empty. */
  ensureLoaded: () => Promise<void>;
}>;

const SCHEMA_FILE = 'schema.json';

/** Looks for resources/legal-bases above this module (source tree, bundled out/, packaged app resources). */
export function findLegalBasesDir(explicit?: string): string | null {
  const candidates: string[] = [];
  if (explicit !== undefined) candidates.push(explicit);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', 'legal-bases'));
    dir = dirname(dir);
  }
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath !== undefined) candidates.push(join(resourcesPath, 'legal-bases'));
  candidates.push(resolve('resources', 'legal-bases'));
  return candidates.find((c) => existsSync(join(c, SCHEMA_FILE))) ?? null;
}

export function parseCatalogue(json: string, source: string): CatalogueFile {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new AppError('input.invalid', `${source} is not JSON: ${(error as Error).message}`);
  }
  const parsed = CatalogueFile.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    throw new AppError(
      'input.invalid',
      `${source} is not a legal-basis catalogue: ${issues
        .slice(0, 5)
        .map((i) => `${i.path || '(file)'}: ${i.message}`)
        .join('; ')}`,
      issues,
    );
  }
  return parsed.data;
}

const sameContent = (a: LegalBasis, b: LegalBasis): boolean =>
  canonicalJson({ ...a, version: 0 }) === canonicalJson({ ...b, version: 0 });

/**
 * The legal-basis catalogue (DESIGN §6): versioned rows in `legal_bases`. A version is never changed
 * once written, so a decision that cites `id` v`n` can always be shown with the exact text it cited;
 * the decision record also carries a copy of that text, so it verifies without the catalogue.
 */
export function createLegalBasisCatalogue(
  ws: Workspace,
  opts: Readonly<{ dir?: string | null }> = {},
): LegalBasisCatalogue {
  const dir = opts.dir === undefined ? findLegalBasesDir() : opts.dir;

  /** Inside a write transaction: adds `candidate` as v1 or as the next version when its content changed. */
  async function upsert(
    tx: WriteConn,
    candidate: Omit<LegalBasis, 'version'>,
    actor: string,
    source: string,
    audit: Parameters<Parameters<Workspace['record']>[0]>[1],
  ): Promise<{ basis: LegalBasis; outcome: 'added' | 'revised' | 'unchanged' }> {
    const current = await getLatestBasis(tx, candidate.id);
    const next: LegalBasis = { ...candidate, version: (current?.version ?? 0) + 1 };
    if (current !== null && sameContent(current, next)) return { basis: current, outcome: 'unchanged' };
    await insertBasis(tx, next, ws.clock().toISOString(), actor);
    await audit({
      actor,
      action: 'basis.saved',
      subject: `basis:${next.id}`,
      details: { version: next.version, source, title: next.title, example: next.example },
    });
    return { basis: next, outcome: current === null ? 'added' : 'revised' };
  }

  async function importParsed(file: CatalogueFile, source: string, actor: string, onlyIfEmpty: boolean) {
    return ws.record(async (tx, audit) => {
      const out = {
        source,
        added: Array.of<LegalBasisId>(),
        revised: Array.of<LegalBasisId>(),
        unchanged: Array.of<LegalBasisId>(),
      };
      // Checked inside the write transaction so that two processes starting at once load the files once.
      if (onlyIfEmpty && (await countBases(tx)) > 0) return out;
      for (const entry of file.entries) {
        const { outcome } = await upsert(tx, { ...entry, text: entry.text }, actor, source, audit);
        out[outcome].push(entry.id);
      }
      if (out.added.length + out.revised.length > 0) {
        await audit({
          actor,
          action: 'basis.imported',
          subject: 'basis',
          details: { source, title: file.title, added: out.added.length, revised: out.revised.length },
        });
      }
      return out;
    });
  }

  let loaded: Promise<void> | null = null;
  async function loadShipped(): Promise<void> {
    if (dir === null) return;
    if ((await ws.db.read((c) => countBases(c))) > 0) return;
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && f !== SCHEMA_FILE).sort();
    for (const name of files) {
      const parsed = parseCatalogue(await readFile(join(dir, name), 'utf8'), name);
      await importParsed(parsed, `resources/legal-bases/${name}`, 'system', true);
    }
  }

  const ensureLoaded = (): Promise<void> => {
    loaded ??= loadShipped().catch((error: unknown) => {
      loaded = null;
      throw error;
    });
    return loaded;
  };

  return {
    async list() {
      await ensureLoaded();
      return ws.db.read((c) => listLatestBases(c));
    },
    latest: (id) => ws.db.read((c) => getLatestBasis(c, id)),
    async save(draft, actor) {
      const parsed = BasisDraft.safeParse(draft);
      if (!parsed.success)
        throw new AppError('input.invalid', parsed.error.issues.map((i) => i.message).join('; '));
      const d = parsed.data;
      for (const field of ['jurisdiction', 'instrument', 'article', 'title'] as const) {
        if (d[field].trim() === '') throw new AppError('input.invalid', `${field} is required`);
      }
      if (d.referenceUrl !== '' && !/^https?:\/\/\S+$/.test(d.referenceUrl))
        throw new AppError('input.invalid', 'referenceUrl must be an http(s) URL');
      const id = d.id ?? ws.ids('LegalBasisId');
      if (d.id !== undefined && (await ws.db.read((c) => getLatestBasis(c, id))) === null)
        throw new AppError('review.basis-not-found', `no legal basis ${id} to revise`);
      return ws.record(
        async (tx, audit) => (await upsert(tx, { ...d, id }, actor, 'basis.save', audit)).basis,
      );
    },
    async importFile(file, actor) {
      let json: string;
      try {
        json = await readFile(file, 'utf8');
      } catch (error) {
        throw new AppError('input.invalid', `cannot read ${file}: ${(error as Error).message}`);
      }
      return importParsed(parseCatalogue(json, basename(file)), basename(file), actor, false);
    },
    ensureLoaded,
  };
}
