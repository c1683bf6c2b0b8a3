import { chmod, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '@shared/errors/app-error';
import { fanOut, spoolHashed } from './spool';

export type BlobCache = Readonly<{
  pathOf: (sha256: string) => string;
  /** The cached file, or null when this blob was never fetched here. */
  lookup: (sha256: string) => Promise<string | null>;
  /** Keeps a temp file (already hashed to `sha256`) as the cached copy. */
  adopt: (tmp: string, sha256: string) => Promise<string>;
  /** Streams `source` into the cache, refusing bytes that do not hash to `sha256`. */
  fill: (sha256: string, source: Readable, where: string) => Promise<string>;
  tmpDir: string;
}>;

/**
 * A local copy of remote blobs, by hash (`cacheDir/ab/cd/<sha256>`). Bytes enter it only after they
 * hashed to their name, so a copy here is as good as the object it came from; it is a cache, so
 * replacing one copy by another (two readers fetching at once) is harmless.
 */
export function createBlobCache(cacheDir: string): BlobCache {
  const tmpDir = join(cacheDir, 'tmp');
  const pathOf = (sha256: string) => join(cacheDir, ...fanOut(sha256));

  async function adopt(tmp: string, sha256: string): Promise<string> {
    const target = pathOf(sha256);
    await mkdir(dirname(target), { recursive: true });
    await chmod(tmp, 0o444);
    await rename(tmp, target);
    return target;
  }

  async function fill(sha256: string, source: Readable, where: string): Promise<string> {
    const spooled = await spoolHashed(source, tmpDir);
    if (spooled.sha256 !== sha256) {
      await unlink(spooled.tmp).catch(() => undefined);
      throw new AppError(
        'evidence.integrity-mismatch',
        `${where} does not hash to its name (${spooled.sha256}): the stored object was altered`,
      );
    }
    return adopt(spooled.tmp, sha256);
  }

  const lookup = async (sha256: string): Promise<string | null> =>
    stat(pathOf(sha256)).then(
      () => pathOf(sha256),
      () => null,
    );

  return { pathOf, lookup, adopt, fill, tmpDir };
}
