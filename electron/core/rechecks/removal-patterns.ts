import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '@shared/errors/app-error';
import { normaliseText } from './content-hashes';

/**
 * The phrases a platform shows in place of content it took down (`resources/removal-patterns.json`,
 * en/ar/ru). A page whose normalised visible text contains one of them is a removal notice, even
 * when it is served with 200: the status code alone does not say whether the content is gone.
 */
const PatternsFile = z.object({
  version: z.number().int().positive(),
  note: z.string().optional(),
  patterns: z.array(z.object({ lang: z.enum(['en', 'ar', 'ru']), text: z.string().min(3).max(300) })).min(1),
});

export type RemovalPatterns = Readonly<{ version: number; phrases: readonly string[] }>;

const FILE = 'removal-patterns.json';

/** Looks for resources/removal-patterns.json above this module (source tree, bundled out/, packaged app). */
export function findRemovalPatternsFile(): string | null {
  const candidates: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', FILE));
    dir = dirname(dir);
  }
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath !== undefined) candidates.push(join(resourcesPath, FILE));
  candidates.push(resolve('resources', FILE));
  return candidates.find((c) => existsSync(c)) ?? null;
}

export function parseRemovalPatterns(json: string, source: string): RemovalPatterns {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new AppError('input.invalid', `${source} is not JSON: ${(error as Error).message}`);
  }
  const parsed = PatternsFile.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new AppError(
      'input.invalid',
      `${source} is not a removal-pattern file: ${first ? `${first.path.join('.') || '(file)'}: ${first.message}` : 'invalid'}`,
    );
  }
  // Matched against normalised text, so the phrases are normalised the same way once here.
  return {
    version: parsed.data.version,
    phrases: parsed.data.patterns.map((p) => normaliseText(p.text).toLowerCase()),
  };
}

export function loadRemovalPatterns(file: string | null = findRemovalPatternsFile()): RemovalPatterns {
  if (file === null) throw new AppError('input.invalid', `${FILE} was not found next to the application`);
  return parseRemovalPatterns(readFileSync(file, 'utf8'), file);
}

/** The first phrase the text contains, or null. Apostrophes are folded (’ and ') so either spelling matches. */
export function matchRemovalPhrase(patterns: RemovalPatterns, text: string): string | null {
  const hay = foldQuotes(normaliseText(text).toLowerCase());
  return patterns.phrases.find((p) => hay.includes(foldQuotes(p))) ?? null;
}

const foldQuotes = (s: string): string => s.replace(/[\u2018\u2019\u02bc]/g, "'");
