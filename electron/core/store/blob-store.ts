import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, link, mkdir, open, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '@shared/errors/app-error';

export type StoredBlob = Readonly<{ sha256: string; bytes: number; path: string; created: boolean }>;

export type BlobProblem = Readonly<{
  sha256: string;
  problem: 'missing' | 'mismatch' | 'size';
  path: string;
}>;

export type BlobStore = Readonly<{
  root: string;
  pathOf: (sha256: string) => string;
  /** Streams the input to disk while hashing it; the blob lands at its hash path, read-only. */
  put: (input: Readable | Buffer | string) => Promise<StoredBlob>;
  /** Moves a finished file into the store (hashing it on the way); the source is removed. */
  putFile: (file: string) => Promise<StoredBlob>;
  has: (sha256: string) => Promise<boolean>;
  open: (sha256: string) => Readable;
  /** Re-hashes one blob; null when it is intact. */
  check: (sha256: string, bytes: number) => Promise<BlobProblem | null>;
}>;

const HEX64 = /^[0-9a-f]{64}$/;
// Large reads keep the hash and the disk busy with few syscalls (see bench/hash).
const CHUNK = 4 * 1024 * 1024;

async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Content-addressed storage (DESIGN §3): `blobs/ab/cd/<sha256>`. Blobs are written to a temp file,
 * fsynced, then linked to their hash path; an existing blob is never overwritten (a second copy of the
 * same content is simply discarded), so a stored byte can only change by tampering, which `check` finds.
 */
export function createBlobStore(root: string): BlobStore {
  const tmpDir = join(root, 'tmp');
  const pathOf = (sha256: string): string => {
    if (!HEX64.test(sha256)) throw new AppError('input.invalid', `not a SHA-256: ${sha256}`);
    return join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };

  const exists = async (path: string): Promise<boolean> =>
    stat(path).then(
      () => true,
      () => false,
    );

  async function settle(tmp: string, sha256: string, bytes: number): Promise<StoredBlob> {
    const target = pathOf(sha256);
    await mkdir(dirname(target), { recursive: true });
    await chmod(tmp, 0o444);
    let created = true;
    try {
      // link() fails if the target exists, where rename() would silently replace it.
      await link(tmp, target);
      await fsyncPath(dirname(target), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      created = false;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    return { sha256, bytes, path: target, created };
  }

  async function put(input: Readable | Buffer | string): Promise<StoredBlob> {
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      highWaterMark: CHUNK,
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const source =
      typeof input === 'string' || Buffer.isBuffer(input) ? Readable.from([Buffer.from(input)]) : input;
    try {
      await pipeline(source, tap, createWriteStream(tmp, { flags: 'wx', mode: 0o600, highWaterMark: CHUNK }));
      await fsyncPath(tmp, 'r+');
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    return settle(tmp, hash.digest('hex'), bytes);
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
    const hash = createHash('sha256');
    await pipeline(
      createReadStream(path, { highWaterMark: CHUNK }),
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) hash.update(chunk);
        yield* [];
      },
    );
    return hash.digest('hex') === sha256 ? null : { sha256, problem: 'mismatch', path };
  }

  return {
    root,
    pathOf,
    put,
    putFile,
    has: (sha256) => exists(pathOf(sha256)),
    open: (sha256) => createReadStream(pathOf(sha256), { highWaterMark: CHUNK }),
    check,
  };
}
