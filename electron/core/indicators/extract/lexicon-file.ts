import { z } from 'zod';
import { LexiconCategory, LexiconLanguage } from '@shared/domain/indicators';
import { AppError } from '@shared/errors/app-error';
import { foldTerm } from './text-fold';
import type { Lexicon } from './types';

/**
 * The lexicon file format (`resources/lexicons/*.json`, `lexicon.schema.json` beside them for
 * editors): a versioned list of coded terms of one language and category, with where it comes from.
 * Term ids are stable across versions so hits of different versions stay comparable. A file is
 * refused, with one line naming the first problem, rather than loaded in part.
 */
const TermId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'term ids are lower-case letters, digits and -');

const LexiconTermFile = z.strictObject({
  id: TermId,
  term: z.string().trim().min(1),
  variants: z.array(z.string().trim().min(1)).default([]),
  prefix: z.boolean().default(false),
  notes: z.string().default(''),
});

export const LEXICON_FILE_SCHEMA = z.strictObject({
  $schema: z.string().optional(),
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lexicon ids are lower-case letters, digits and -'),
  version: z.number().int().positive(),
  language: LexiconLanguage,
  category: LexiconCategory,
  source: z.string().trim().min(1),
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD'),
  foldTaMarbuta: z.boolean().default(false),
  terms: z.array(LexiconTermFile).min(1),
});

/** Parses and validates one lexicon file's text; `source` names it in the error. */
export function parseLexiconFile(body: string, source: string): Lexicon {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    throw new AppError(
      'input.invalid',
      `${source}: not JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const parsed = LEXICON_FILE_SCHEMA.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue !== undefined && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new AppError(
      'input.invalid',
      `${source}: not a valid lexicon${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const { $schema: _schema, ...lexicon } = parsed.data;
  const ids = new Set<string>();
  for (const t of lexicon.terms) {
    if (ids.has(t.id)) throw new AppError('input.invalid', `${source}: term id ${t.id} appears twice`);
    ids.add(t.id);
    for (const form of [t.term, ...t.variants])
      if (foldTerm(form) === '')
        throw new AppError(
          'input.invalid',
          `${source}: term ${t.id} has a form with nothing to match ("${form}")`,
        );
  }
  return lexicon;
}
