import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBlob } from '@core/db/repositories/blobs-repo';
import { openBlobStoreAt } from '@core/store/blob-location';
import type { BlobStore } from '@core/store/blob-store';
import { createS3BlobStore } from '@core/store/s3-blob-store';
import { verifyStore } from '@core/store/verify-store';
import { openWorkspace } from '@core/workspace';
import { S3RVER_ENV, startS3Server, type S3TestServer } from '@tests/helpers/s3-server';
import { tempDir } from '@tests/helpers/temp-dir';

const BUCKET = 'evidence';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const keyOf = (prefix: string, sha256: string) =>
  `${prefix}/sha256/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;

let s3: S3TestServer;
let raw: S3Client;
let dirs: { path: string; remove: () => void }[] = [];
const stores: BlobStore[] = [];

/** A store on the bucket with its own, empty local cache (as a second server would have). */
function storeAt(
  prefix: string,
  extra: { objectLock?: { days: number }; client?: S3Client } = {},
): BlobStore {
  const cache = tempDir('vigil-s3-cache-');
  dirs.push(cache);
  const store = createS3BlobStore({
    client: extra.client ?? s3.client(),
    bucket: BUCKET,
    prefix,
    cacheDir: cache.path,
    ...(extra.objectLock ? { objectLock: extra.objectLock } : {}),
  });
  stores.push(store);
  return store;
}

async function rawBytes(key: string): Promise<Buffer> {
  const got = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

const rawPut = (key: string, body: Buffer) =>
  raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

beforeAll(async () => {
  s3 = await startS3Server([BUCKET]);
  raw = s3.client();
});
afterAll(async () => {
  for (const store of stores) store.close();
  await s3.stop();
  for (const dir of dirs) dir.remove();
  dirs = [];
});

describe('S3 blob store', () => {
  it('puts content under its hash key and reads it back from a fresh cache', async () => {
    const writer = storeAt('unit-a');
    const content = randomBytes(5 * 1024 * 1024 + 3);
    const stored = await writer.put(content);
    expect(stored).toMatchObject({ sha256: sha(content), bytes: content.length, created: true });
    expect((await rawBytes(keyOf('unit-a', stored.sha256))).equals(content)).toBe(true);

    const reader = storeAt('unit-a');
    expect(await reader.has(stored.sha256)).toBe(true);
    expect(await reader.has(sha(Buffer.from('never stored')))).toBe(false);
    expect((await reader.read(stored.sha256)).equals(content)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const chunk of reader.open(stored.sha256)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(content)).toBe(true);
    const local = await reader.localFile(stored.sha256);
    expect(local).toBe(reader.pathOf(stored.sha256));
    expect(readFileSync(local).equals(content)).toBe(true);
    expect(await reader.check(stored.sha256, content.length)).toBeNull();
    expect(reader.root).toBe(`s3://${BUCKET}/unit-a`);
  });

  it('never overwrites an object: a second put of the same bytes leaves the stored one as it is', async () => {
    const store = storeAt('unit-b');
    const content = Buffer.from('the same screenshot twice');
    const first = await store.put(content);
    const key = keyOf('unit-b', first.sha256);
    // Same size, other bytes: what a put would "repair" if it replaced objects.
    const altered = Buffer.from(content);
    altered[0] = altered[0]! ^ 0xff;
    await rawPut(key, altered);

    const second = await storeAt('unit-b').put(content);
    expect(second.created).toBe(false);
    expect((await rawBytes(key)).equals(altered)).toBe(true);
  });

  it('refuses loudly to keep content whose key holds an object of another size', async () => {
    const content = Buffer.from('a manifest');
    await rawPut(keyOf('unit-c', sha(content)), Buffer.from('a much longer, different object'));
    await expect(storeAt('unit-c').put(content)).rejects.toMatchObject({
      code: 'evidence.integrity-mismatch',
    });
  });

  it('sends the SHA-256 checksum, If-None-Match and compliance-mode retention with each new object', async () => {
    const client = s3.client();
    const seen: Record<string, string>[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; headers?: Record<string, string> };
        if (request.method === 'PUT' && request.headers) seen.push({ ...request.headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordPutHeaders' },
    );
    const content = randomBytes(1000);
    await storeAt('unit-d', { client, objectLock: { days: 7 } }).put(content);
    expect(seen).toHaveLength(1);
    const headers = seen[0]!;
    expect(headers['x-amz-checksum-sha256']).toBe(createHash('sha256').update(content).digest('base64'));
    expect(headers['if-none-match']).toBe('*');
    expect(headers['x-amz-object-lock-mode']).toBe('COMPLIANCE');
    const until = Date.parse(headers['x-amz-object-lock-retain-until-date'] ?? '');
    expect(until - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
  });

  it('finds a tampered object on check and refuses to serve its bytes', async () => {
    const content = randomBytes(64 * 1024);
    const stored = await storeAt('unit-e').put(content);
    const altered = Buffer.from(content);
    altered[100] = altered[100]! ^ 1;
    await rawPut(keyOf('unit-e', stored.sha256), altered);

    const reader = storeAt('unit-e');
    expect(await reader.check(stored.sha256, content.length)).toEqual({
      sha256: stored.sha256,
      problem: 'mismatch',
      path: `s3://${BUCKET}/${keyOf('unit-e', stored.sha256)}`,
    });
    expect(await reader.check(stored.sha256, content.length + 1)).toMatchObject({ problem: 'size' });
    expect(await reader.check(sha(Buffer.from('gone')), 4)).toMatchObject({ problem: 'missing' });
    await expect(reader.read(stored.sha256)).rejects.toMatchObject({ code: 'evidence.integrity-mismatch' });
    await expect(reader.read(sha(Buffer.from('gone')))).rejects.toMatchObject({ code: 'evidence.not-found' });
  });

  it('verify-store re-hashes the objects the rows name and lists the objects no row names', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const { workspace } = await openWorkspace({ dataDir: dir.path });
    try {
      const store = storeAt('unit-f');
      const ws = { ...workspace, blobs: store };
      const kept = await store.put(Buffer.from('kept'));
      const tampered = await store.put(Buffer.from('will be altered'));
      await ws.record(async (tx, audit) => {
        for (const blob of [kept, tampered]) {
          await registerBlob(tx, blob, ws.clock().toISOString());
          await audit({ actor: 'test', action: 'blob.stored', subject: `blob:${blob.sha256}` });
        }
      });
      await rawPut(keyOf('unit-f', tampered.sha256), Buffer.from('WILL BE ALTERED'));
      const hidden = Buffer.from('evidence whose row was deleted');
      await rawPut(keyOf('unit-f', sha(hidden)), hidden);
      await rawPut('unit-f/notes.txt', Buffer.from('x'));
      await rawPut('unit-g/sha256/other-prefix', Buffer.from('not ours'));

      const result = await verifyStore(ws);
      expect(result.ok).toBe(false);
      expect(result.checked).toBe(2);
      expect(result.bad).toEqual([expect.objectContaining({ sha256: tampered.sha256, problem: 'mismatch' })]);
      expect(result.unreferenced).toEqual([
        { path: `s3://${BUCKET}/unit-f/notes.txt`, bytes: 1 },
        { path: `s3://${BUCKET}/${keyOf('unit-f', sha(hidden))}`, bytes: hidden.length },
      ]);
    } finally {
      await workspace.close();
    }
  });
});

describe('blob store location', () => {
  const cacheDir = () => {
    const dir = tempDir('vigil-s3-cache-');
    dirs.push(dir);
    return dir.path;
  };

  it('opens s3://BUCKET/PREFIX with credentials from the environment', async () => {
    const location = `s3://${BUCKET}/unit-h?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=1&region=us-east-1`;
    const store = await openBlobStoreAt(location, { cacheDir: cacheDir(), env: S3RVER_ENV });
    stores.push(store);
    const stored = await store.put(Buffer.from('through a location'));
    expect(store.root).toBe(`s3://${BUCKET}/unit-h`);
    expect((await rawBytes(keyOf('unit-h', stored.sha256))).toString()).toBe('through a location');
  });

  it('opens a directory path as a shared folder', async () => {
    const store = await openBlobStoreAt(cacheDir(), { cacheDir: cacheDir(), env: {} });
    const stored = await store.put(Buffer.from('on the share'));
    expect((await store.read(stored.sha256)).toString()).toBe('on the share');
  });

  it.each([
    ['', 'empty'],
    ['s3://', 'is not an S3 bucket name'],
    ['s3://Bad_Bucket/x', 'is not an S3 bucket name'],
    ['s3://key:secret@evidence/x', 'credentials do not belong in the location'],
    ['s3://evidence?endpoint=ftp://127.0.0.1', 'the endpoint must be an http(s) URL'],
    ['s3://evidence?objectLockDays=seven', 'objectLockDays must be a whole number'],
    ['s3://evidence?acl=public-read', 'unknown setting acl'],
    ['s3://evidence/../other', 'may not contain . or .. parts'],
    ['https://evidence.example/x', 'only s3:// URLs and directory paths'],
    ['relative/dir', 'absolute path'],
    ['/nonexistent/vigil-share', 'no such directory'],
  ])('refuses %j in one line', async (location, why) => {
    const error = await openBlobStoreAt(location, { cacheDir: cacheDir(), env: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'input.invalid' });
    expect((error as Error).message).toContain(why);
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses a bucket that does not exist when it opens, not at the first capture', async () => {
    const location = `s3://no-such-bucket?endpoint=${encodeURIComponent(s3.endpoint)}&forcePathStyle=1`;
    await expect(openBlobStoreAt(location, { cacheDir: cacheDir(), env: S3RVER_ENV })).rejects.toMatchObject({
      code: 'env.data-dir',
    });
  });
});
