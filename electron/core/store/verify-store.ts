import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoreVerifyResult } from '@shared/contract/methods/custody';
import { listBlobs } from '../db/repositories/blobs-repo';
import type { Workspace } from '../workspace';
import type { BlobProblem } from './blob-store';

type Unreferenced = StoreVerifyResult['unreferenced'][number];

const entriesOf = async (dir: string) =>
  readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });

/**
 * Every file under the blob store that no row names. `tmp/` is left out: it holds blobs being
 * written (and crash leftovers, swept at start). Such files are reported, never deleted: a file whose
 * row was deleted may be the evidence that was hidden.
 */
async function unreferencedFiles(root: string, known: ReadonlySet<string>): Promise<Unreferenced[]> {
  const found: Unreferenced[] = [];
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

/**
 * Re-hashes every blob the database knows (DESIGN §3 `verify-store`) and names each bad one, then
 * walks the blob files and names each file no row knows. Read-only: runs on a full disk.
 */
export async function verifyStore(
  ws: Workspace,
  onProgress?: (done: number, total: number) => void,
): Promise<StoreVerifyResult> {
  const rows = await ws.db.read(listBlobs);
  const bad: BlobProblem[] = [];
  let bytes = 0;
  for (const [i, row] of rows.entries()) {
    const problem = await ws.blobs.check(row.sha256, row.bytes);
    if (problem) bad.push(problem);
    bytes += row.bytes;
    onProgress?.(i + 1, rows.length);
  }
  const unreferenced = await unreferencedFiles(ws.blobs.root, new Set(rows.map((r) => r.sha256)));
  return {
    ok: bad.length === 0 && unreferenced.length === 0,
    checked: rows.length,
    bytes,
    bad,
    unreferenced,
  };
}
