import { readFile, rm, writeFile } from 'node:fs/promises';
import type { CaptureRun } from './capture-run';
import { stripDataMedia } from './media-placeholders';
import type { MediaWithholding } from './media-withholding';
import type { RecordedExchange } from './network-recorder';

/** What a restricted snapshot would not have made, and a late match takes back. */
const VISUAL_KINDS = new Set(['screenshot', 'screenshot-viewport', 'mhtml']);

/**
 * At the end of the load, every medium not screened yet is screened (its bytes dropped when the
 * capture is restricted). When the capture became restricted only now (a known-hash match on a
 * medium that arrived after the snapshot), the screenshots and the MHTML already taken show or hold
 * that medium: they are deleted from the work dir before sealing, so they never reach the store,
 * and a warning says so; the DOM loses its `data:` media as a restricted snapshot's does.
 */
export async function withholdMedia(
  run: CaptureRun,
  w: MediaWithholding,
  exchanges: readonly RecordedExchange[],
): Promise<void> {
  await w.screen(exchanges);
  if (!w.restricted() || w.snapshotRestricted) return;
  const withdrawn = run.artifacts.filter((a) => VISUAL_KINDS.has(a.kind));
  for (const a of withdrawn) await rm(a.file, { force: true });
  const kept = run.artifacts.filter((a) => !VISUAL_KINDS.has(a.kind));
  run.artifacts.splice(0, run.artifacts.length, ...kept);
  for (const a of kept) {
    if (a.kind !== 'dom') continue;
    const html = await readFile(a.file, 'utf8');
    await rm(a.file, { force: true });
    await writeFile(a.file, stripDataMedia(html), { flag: 'wx' });
  }
  w.snapshotRestricted = true;
  w.visualsWithdrawn = true;
  if (withdrawn.length > 0)
    run.warn(
      'restricted.visuals-withdrawn',
      `A medium matched a known-hash list after the page was photographed: ${withdrawn
        .map((a) => a.name)
        .join(', ')} were not kept`,
    );
}
