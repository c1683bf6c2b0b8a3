import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLexiconFile } from './lexicon-file';
import type { Lexicon } from './types';

/**
 * Reads every lexicon of a directory (`*.json` except the schema), sorted by file name. The only
 * module of extract/ that touches the file system; the rest is pure.
 */
export async function loadLexiconDir(dir: string): Promise<Lexicon[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.includes('schema')).sort();
  const out: Lexicon[] = [];
  for (const name of names) out.push(parseLexiconFile(await readFile(join(dir, name), 'utf8'), name));
  return out;
}
