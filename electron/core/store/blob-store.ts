import { constants, createReadStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '@shared/errors/app-error';
import { unreferencedFiles, type StoredObject } from './local-listing';
import { CHUNK, HEX64, fanOut, fsyncPath, hashFile, spoolHashed, type BlobInput } from './spool';

export type { StoredObject } from './local-listing';

export type StoredBlob = Readonly<{ sha256: string; bytes: number; path: string; created: boolean }>;

export type BlobProblem = Readonly<{
  sha256: string;
  problem: 'missing' | 'mismatch' | 'size';
  path: string;
}>;

/**
 * Where blobs live, whatever holds the bytes: a local directory, a shared folder, or an object store.
 * Readers use `read`/`open`; code that must hand a file to another program uses `localFile`.
 */
export type BlobStore = Readonly<{
  /** The store as a person would name it: a directory, or `s3://bucket/prefix`. */
  root: string;
  /** The local path of a blob's bytes; for an object store, the path of its local cached copy (see `localFile`). */
  pathOf: (sha256: string) => string;
  /** Streams the input to disk while hashing it; the blob lands at its hash path, read-only. */
  put: (input: BlobInput) => Promise<StoredBlob>;
  /** Moves a finished file into the store (hashing it on the way); the source is removed. */
  putFile: (file: string) => Promise<StoredBlob>;
  has: (sha256: string) => Promise<boolean>;
  open: (sha256: string) => Readable;
  read: (sha256: string) => Promise<Buffer>;
  /** A local file holding the blob's bytes (for an object store, fetched and hash-checked once). */
  localFile: (sha256: string) => Promise<string>;
  /** Re-hashes one blob; null when it is intact. */
  check: (sha256: string, bytes: number) => Promise<BlobProblem | null>;
  /** Every stored object whose name is not one of `known` (reported by verify-store, never deleted). */
  unreferenced: (known: ReadonlySet<string>) => Promise<StoredObject[]>;
  /** Lets go of connections (an object store's sockets); nothing to do for a directory. */
  close: () => void;
}>;

export type BlobStoreOptions = Readonly<{
  /** false: never try link() (a filesystem known not to support it); the fallback is used directly. */
  hardLinks?: boolean;
}>;

export const assertSha256 = (sha256: string): string => {
  if (!HEX64.test(sha256)) throw new AppError('input.invalid', `not a SHA-256: ${sha256}`);
  return sha256;
};

// Network filesystems (SMB/CIFS, some NFS servers, FUSE mounts) refuse hard links with these.
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV']);

/**
 * Places the temp file at `target` without ever replacing a file already there. link() fails when the
 * target exists, where rename() would silently replace it; without links, copyFile with COPYFILE_EXCL
 * (O_EXCL, honoured by NFSv3+ and SMB) is the exclusive create. Returns false when the target existed.
 */
async function placeExclusively(tmp: string, target: string, hardLinks: boolean): Promise<boolean> {
  try {
    if (hardLinks) {
      try {
        await link(tmp, target);
        return true;
      } catch (error) {
        if (!NO_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
    }
    await copyFile(tmp, target, constants.COPYFILE_EXCL);
    await fsyncPath(target, 'r');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/**
 * Content-addressed storage (DESIGN §3): `blobs/ab/cd/<sha256>`. Blobs are written to a temp file,
 * fsynced, then linked to their hash path; an existing blob is never overwritten (a second copy of the
 * same content is simply discarded), so a stored byte can only change by tampering, which `check` finds.
 * The same code serves a shared folder (several servers on one network filesystem): temp names are
 * random, and where hard links are refused an exclusive-create copy takes their place.
 */
export function createBlobStore(root: string, options: BlobStoreOptions = {}): BlobStore {
  const tmpDir = join(root, 'tmp');
  const pathOf = (sha256: string): string => join(root, ...fanOut(assertSha256(sha256)));

  const exists = async (path: string): Promise<boolean> =>
    stat(path).then(
      () => true,
      () => false,
    );

  async function settle(tmp: string, sha256: string, bytes: number): Promise<StoredBlob> {
    const target = pathOf(sha256);
    await mkdir(dirname(target), { recursive: true });
    await chmod(tmp, 0o444);
    let created: boolean;
    try {
      created = await placeExclusively(tmp, target, options.hardLinks ?? true);
      if (created) await fsyncPath(dirname(target), 'r');
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    if (created) await chmod(target, 0o444);
    return { sha256, bytes, path: target, created };
  }

  async function put(input: BlobInput): Promise<StoredBlob> {
    const spooled = await spoolHashed(input, tmpDir);
    return settle(spooled.tmp, spooled.sha256, spooled.bytes);
  }

  async function putFile(file: string): Promise<StoredBlob> {
    const stored = await put(createReadStream(file, { highWaterMark: CHUNK }));
    await unlink(file).catch(() => undefined);
    return stored;
  }

  async function check(sha256: string, bytes: number): Promise<BlobProblem | null> {
    const path = pathOf(sha256);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return { sha256, problem: 'missing', path };
    }
    if (size !== bytes) return { sha256, problem: 'size', path };
    return (await hashFile(path)).sha256 === sha256 ? null : { sha256, problem: 'mismatch', path };
  }

  return {
    root,
    pathOf,
    put,
    putFile,
    has: (sha256) => exists(pathOf(sha256)),
    open: (sha256) => createReadStream(pathOf(sha256), { highWaterMark: CHUNK }),
    read: (sha256) => readFile(pathOf(sha256)),
    localFile: (sha256) => Promise.resolve(pathOf(sha256)),
    check,
    unreferenced: (known) => unreferencedFiles(root, known),
    close: () => undefined,
  };
}
