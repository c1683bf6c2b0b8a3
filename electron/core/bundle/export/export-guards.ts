import { isAbsolute, relative, resolve } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import { verifyAudit } from '@core/custody/audit-log';
import { manifestDisagreements } from '@core/capture/manifest-agreement';
import { sealedCaptureIdsOf } from '@core/db/repositories/capture-events-repo';
import type { Workspace } from '@core/workspace';
import type { Gathered } from './gather-selection';

const within = (root: string, p: string): boolean => {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * A bundle is written outside the data dir, or in its exports/ folder: never among the keys, the
 * blobs or the database, where it could shadow or clobber what the custody log relies on.
 */
export function assertExportTarget(ws: Workspace, outPath: string): void {
  const target = resolve(outPath);
  const exportsDir = resolve(ws.paths.exports);
  if (within(resolve(ws.paths.root), target) && !(within(exportsDir, target) && target !== exportsDir))
    throw new AppError(
      'bundle.write-failed',
      `${outPath} is inside the data dir ${ws.paths.root}; write the bundle outside it or in ${exportsDir}`,
    );
}

/**
 * A bundle vouches for its custody excerpt with the workstation's signature: it is only made from a
 * custody log whose chain and signed head verify (a log that was cut or edited is not re-signed).
 */
export async function assertCustodyVerifies(ws: Workspace): Promise<void> {
  const anchor = await ws.readAnchor();
  const result = await ws.db.read((c) => verifyAudit(c, anchor));
  if (!result.ok)
    throw new AppError(
      'bundle.custody-unverified',
      `the custody log of ${ws.paths.root} does not verify (${result.problem ?? `first bad row ${result.firstBadSeq ?? '?'}`}); nothing was exported — run "vigil audit verify"`,
      { firstBadSeq: result.firstBadSeq },
    );
}

/**
 * Every capture exported agrees with its signed manifest (an edited row is refused, naming the
 * capture and the fields), and every capture the custody log says was sealed for the selected
 * resources is there (a deleted row is refused, not silently left out of the bundle).
 */
export async function assertCapturesIntact(ws: Workspace, g: Gathered): Promise<void> {
  const problems: string[] = [];
  for (const capture of g.captures) {
    let bytes: Buffer;
    try {
      bytes = await ws.blobs.read(capture.manifestSha256);
    } catch {
      problems.push(`capture ${capture.id}: its signed manifest is missing from the blob store`);
      continue;
    }
    const fields = manifestDisagreements(capture, bytes);
    if (fields.length > 0)
      problems.push(
        `capture ${capture.id} is tampered: ${fields.join(', ')} disagree with its signed manifest`,
      );
  }
  const present = new Set<string>(g.captures.map((c) => c.id));
  const sealed = await ws.db.read((c) =>
    sealedCaptureIdsOf(
      c,
      g.resources.map((r) => r.id),
    ),
  );
  for (const s of sealed)
    if (!present.has(s.captureId))
      problems.push(
        `capture ${s.captureId} of resource ${s.resourceId} is in the custody log but not in the database`,
      );
  if (problems.length > 0)
    throw new AppError(
      'bundle.custody-unverified',
      `nothing was exported: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
      { problems },
    );
}
