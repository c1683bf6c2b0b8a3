import type { StoreVerifyResult } from '@shared/contract/methods/custody';
import { listBlobs } from '../db/repositories/blobs-repo';
import type { Workspace } from '../workspace';
import type { BlobProblem } from './blob-store';

/**
 * Re-hashes every blob the database knows (DESIGN §3 `verify-store`) and names each bad one, then
 * lists the stored objects (files, or the keys of an object store) and names each one no row knows. Read-only: runs on a full disk.
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
  const unreferenced = await ws.blobs.unreferenced(new Set(rows.map((r) => r.sha256)));
  return {
    ok: bad.length === 0 && unreferenced.length === 0,
    checked: rows.length,
    bytes,
    bad,
    unreferenced,
  };
}
