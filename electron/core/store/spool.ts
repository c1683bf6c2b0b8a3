import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type BlobInput = Readable | Buffer | string;
export type Spooled = Readonly<{ tmp: string; sha256: string; bytes: number }>;

export const HEX64 = /^[0-9a-f]{64}$/;
// Large reads keep the hash and the disk busy with few syscalls (see bench/hash).
export const CHUNK = 4 * 1024 * 1024;

export async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `ab/cd/<sha256>`: two levels of 256 directories keep every directory small. */
export const fanOut = (sha256: string): string[] => [sha256.slice(0, 2), sha256.slice(2, 4), sha256];

/**
 * Streams the input into a fresh temp file in `tmpDir` while hashing it, then fsyncs it: the name of
 * the content is known only once the last byte is on disk, and no byte is held in memory.
 */
export async function spoolHashed(input: BlobInput, tmpDir: string): Promise<Spooled> {
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
  return { tmp, sha256: hash.digest('hex'), bytes };
}

/** SHA-256 (hex) of a stream of bytes, read in large chunks. */
export async function hashStream(
  source: AsyncIterable<Uint8Array>,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

export const hashFile = (path: string) => hashStream(createReadStream(path, { highWaterMark: CHUNK }));
