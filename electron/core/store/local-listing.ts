import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type StoredObject = Readonly<{ path: string; bytes: number }>;

const entriesOf = async (dir: string) =>
  readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });

/**
 * Every file under a blob directory that no row names. `tmp/` is left out: it holds blobs being
 * written (and crash leftovers, swept at start). Such files are reported, never deleted: a file whose
 * row was deleted may be the evidence that was hidden.
 */
export async function unreferencedFiles(root: string, known: ReadonlySet<string>): Promise<StoredObject[]> {
  const found: StoredObject[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const entry of await entriesOf(dir)) {
      const path = join(dir, entry.name);
      if (depth === 0 && entry.name === 'tmp' && entry.isDirectory()) continue;
      if (entry.isDirectory()) {
        await walk(path, depth + 1);
        continue;
      }
      // Only a file at blobs/ab/cd/<sha256> of its own name can be a known blob.
      const placed =
        depth === 2 &&
        entry.name.slice(0, 2) === dir.slice(-5, -3) &&
        entry.name.slice(2, 4) === dir.slice(-2);
      if (placed && known.has(entry.name)) continue;
      found.push({ path, bytes: (await stat(path).catch(() => ({ size: 0 }))).size });
    }
  };
  await walk(root, 0);
  return found.sort((a, b) => a.path.localeCompare(b.path));
}
