import { createReadStream } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { AppError } from '@shared/errors/app-error';
import { createBlobCache } from './blob-cache';
import {
  assertSha256,
  type BlobProblem,
  type BlobStore,
  type StoredBlob,
  type StoredObject,
} from './blob-store';
import { CHUNK, HEX64, fanOut, hashStream, spoolHashed, type BlobInput } from './spool';

export type S3BlobStoreOptions = Readonly<{
  client: S3Client;
  bucket: string;
  /** Key prefix without slashes at either end; '' for the bucket's root. */
  prefix: string;
  /** Local directory for temp files and the hash-checked copies of fetched objects. */
  cacheDir: string;
  /** Compliance-mode retention for every new object (the bucket must have Object Lock enabled). */
  objectLock?: Readonly<{ days: number }>;
}>;

type S3Failure = Readonly<{ name?: string; $metadata?: { httpStatusCode?: number } }>;
const statusOf = (error: unknown): number | undefined => (error as S3Failure).$metadata?.httpStatusCode;
const isNotFound = (error: unknown): boolean =>
  statusOf(error) === 404 || ['NotFound', 'NoSuchKey'].includes((error as S3Failure).name ?? '');
// 412: the key exists (If-None-Match: *); 409: another put of the same key is in flight.
const isAlreadyThere = (error: unknown): boolean => statusOf(error) === 412 || statusOf(error) === 409;

/**
 * Blobs as objects of an S3-compatible store, content-addressed: `<prefix>/sha256/ab/cd/<sha256>`.
 * A put is hashed while it is spooled to a local temp file, then sent with its SHA-256 checksum (the
 * store recomputes it and refuses other bytes) and `If-None-Match: *` (an existing object is never
 * replaced). The same key is looked up first as well, because not every store enforces the
 * condition. With `objectLock` each object is retained in compliance mode: nobody, not even the
 * bucket's owner, can delete or overwrite it before the date.
 */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const { client, bucket } = options;
  const base = options.prefix === '' ? 'sha256' : `${options.prefix}/sha256`;
  const cache = createBlobCache(options.cacheDir);
  const keyOf = (sha256: string) => `${base}/${fanOut(assertSha256(sha256)).join('/')}`;
  const urlOf = (key: string) => `s3://${bucket}/${key}`;

  /** The object's size, or null when there is none. */
  async function sizeOf(key: string): Promise<number | null> {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async function bodyOf(key: string): Promise<Readable> {
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!(got.Body instanceof Readable)) throw new Error(`no body for ${urlOf(key)}`);
      return got.Body;
    } catch (error) {
      if (isNotFound(error))
        throw new AppError('evidence.not-found', `no object ${urlOf(key)} in the blob store`);
      throw error;
    }
  }

  /** An object already at the key is kept; if its size is not this content's, it was altered: say so. */
  function keptExisting(key: string, size: number | null, bytes: number): void {
    if (size !== null && size !== bytes)
      throw new AppError(
        'evidence.integrity-mismatch',
        `${urlOf(key)} already exists with ${size} bytes, not the ${bytes} bytes of its content: the stored object was altered`,
      );
  }

  async function upload(tmp: string, sha256: string, bytes: number): Promise<boolean> {
    const key = keyOf(sha256);
    const existing = await sizeOf(key);
    if (existing !== null) {
      keptExisting(key, existing, bytes);
      return false;
    }
    const lock = options.objectLock;
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: createReadStream(tmp, { highWaterMark: CHUNK }),
          ContentLength: bytes,
          ContentType: 'application/octet-stream',
          ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
          IfNoneMatch: '*',
          ...(lock
            ? {
                ObjectLockMode: 'COMPLIANCE' as const,
                ObjectLockRetainUntilDate: new Date(Date.now() + lock.days * 86_400_000),
              }
            : {}),
        }),
      );
      return true;
    } catch (error) {
      if (!isAlreadyThere(error)) throw error;
      keptExisting(key, await sizeOf(key), bytes);
      return false;
    }
  }

  async function put(input: BlobInput): Promise<StoredBlob> {
    const { tmp, sha256, bytes } = await spoolHashed(input, cache.tmpDir);
    try {
      const created = await upload(tmp, sha256, bytes);
      // The spooled bytes hashed to their name: they are the cached copy.
      return { sha256, bytes, path: await cache.adopt(tmp, sha256), created };
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  async function localFile(sha256: string): Promise<string> {
    const cached = await cache.lookup(assertSha256(sha256));
    if (cached !== null) return cached;
    const key = keyOf(sha256);
    return cache.fill(sha256, await bodyOf(key), urlOf(key));
  }

  async function check(sha256: string, bytes: number): Promise<BlobProblem | null> {
    const key = keyOf(sha256);
    const path = urlOf(key);
    const size = await sizeOf(key);
    if (size === null) return { sha256, problem: 'missing', path };
    if (size !== bytes) return { sha256, problem: 'size', path };
    // The object itself, never the cached copy: this is the check that finds a change in the store.
    const hashed = await hashStream(await bodyOf(key));
    return hashed.sha256 === sha256 ? null : { sha256, problem: 'mismatch', path };
  }

  async function unreferenced(known: ReadonlySet<string>): Promise<StoredObject[]> {
    const found: StoredObject[] = [];
    const listed = options.prefix === '' ? undefined : `${options.prefix}/`;
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: listed, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key ?? '';
        const name = key.slice(key.lastIndexOf('/') + 1);
        if (HEX64.test(name) && known.has(name) && key === keyOf(name)) continue;
        found.push({ path: urlOf(key), bytes: object.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return found.sort((a, b) => a.path.localeCompare(b.path));
  }

  return {
    root: urlOf(options.prefix),
    pathOf: (sha256) => cache.pathOf(assertSha256(sha256)),
    put,
    putFile: async (file) => {
      const stored = await put(createReadStream(file, { highWaterMark: CHUNK }));
      await unlink(file).catch(() => undefined);
      return stored;
    },
    has: async (sha256) => (await sizeOf(keyOf(sha256))) !== null,
    open: (sha256) =>
      Readable.from(
        (async function* () {
          yield* createReadStream(await localFile(sha256), { highWaterMark: CHUNK });
        })(),
      ),
    read: async (sha256) => readFile(await localFile(sha256)),
    localFile,
    check,
    unreferenced,
    close: () => client.destroy(),
  };
}
