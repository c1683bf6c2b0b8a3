import { existsSync } from 'node:fs';
import { link, mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { AppError, errorMessage, isAppError } from '@shared/errors/app-error';
import { forEachBundleFile } from '../bundle-source';
import { throwIfCancelled } from '../cancel';
import { writeTree, writeZip, type BundleEntry, type WriteResult } from '../zip-writer';
import { createHash } from 'node:crypto';
import { partialNameFor } from './partial-sweep';

/**
 * A bundle appears under its final name only complete: it is written under a temporary name beside
 * the target (same folder, so the rename cannot cross file systems), fsynced, read back and every
 * entry re-hashed against what was planned, and only then renamed. A crash or kill at any moment
 * leaves nothing at the target path (at most a `.…vigil-partial` file beside it), never a truncated
 * ZIP a court could be handed; a re-run to the same path then succeeds.
 */
export { PARTIAL_SUFFIX, partialNameFor } from './partial-sweep';

/** Each entry's stream, stopped when `signal` aborts (the client left, or the deadline passed). */
function guarded(entries: readonly BundleEntry[], signal: AbortSignal | undefined): BundleEntry[] {
  if (signal === undefined) return [...entries];
  return entries.map((e) => ({
    ...e,
    open: () => {
      throwIfCancelled(signal);
      const source = e.open();
      if (Buffer.isBuffer(source)) return source;
      return Readable.from(
        (async function* () {
          for await (const chunk of source) {
            throwIfCancelled(signal);
            yield chunk as Buffer;
          }
        })(),
      );
    },
  }));
}

/** Reads the written bundle back and holds every entry against the plan (names, sizes, SHA-256). */
async function readBack(path: string, entries: readonly BundleEntry[]): Promise<void> {
  const planned = new Map(entries.map((e) => [e.name, e]));
  let seen = 0;
  const problems = await forEachBundleFile(path, async (name, _bytes, stream) => {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const want = planned.get(name);
    if (want === undefined || want.bytes !== bytes || want.sha256 !== hash.digest('hex'))
      throw new Error(`${name} does not read back as written`);
    seen += 1;
  });
  if (problems.length > 0 || seen !== planned.size)
    throw new AppError(
      'bundle.write-failed',
      `the bundle written to ${path} does not read back as written (${problems[0]?.message ?? `${seen} of ${planned.size} files`}); nothing was kept`,
    );
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves the checked partial into place without replacing anything that appeared there meanwhile. */
async function publish(partial: string, target: string, asDirectory: boolean): Promise<void> {
  if (asDirectory) {
    if (existsSync(target))
      throw new AppError('bundle.write-failed', `${target} already exists; nothing is overwritten`);
    await rename(partial, target);
  } else {
    // link() fails when the name exists: unlike rename(), it never replaces a file.
    await link(partial, target).catch((error: unknown) => {
      throw new AppError('bundle.write-failed', `cannot publish ${target}: ${errorMessage(error)}`);
    });
    await unlink(partial);
  }
  await syncDir(dirname(target));
}

/** Writes the bundle (a ZIP, or a folder with `asDirectory`) atomically at `target`. */
export async function writeBundleAtomically(
  target: string,
  entries: readonly BundleEntry[],
  opts: Readonly<{ asDirectory: boolean; modifiedAt: Date; signal?: AbortSignal }>,
): Promise<WriteResult> {
  await mkdir(dirname(target), { recursive: true });
  const partial = partialNameFor(target);
  const stream = guarded(entries, opts.signal);
  try {
    const result = opts.asDirectory
      ? await writeTree(partial, stream, opts.modifiedAt)
      : await writeZip(partial, stream, opts.modifiedAt);
    throwIfCancelled(opts.signal);
    await readBack(partial, entries);
    throwIfCancelled(opts.signal);
    await publish(partial, target, opts.asDirectory);
    return result;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    if (isAppError(error)) throw error;
    throw new AppError('bundle.write-failed', `cannot write ${target}: ${errorMessage(error)}`);
  }
}
