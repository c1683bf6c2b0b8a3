import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { AppError } from '@shared/errors/app-error';
import { isCancelled, throwIfCancelled } from './cancel';
import { MAX_BUNDLE_ENTRIES, createBoundsTracker, entryCountProblem } from './zip-bounds';
import { assertSafeEntryName } from './zip-writer';

/**
 * Reads a bundle — a ZIP or the same tree as a folder — one file at a time as a stream, so a
 * multi-GiB bundle is hashed without being held in memory. Small files the checks need to read are
 * kept (up to `keepLimit` bytes each).
 */
export type SourceFile = Readonly<{ name: string; bytes: number; sha256: string; content: Buffer | null }>;

/** `bounds`: the ZIP broke a bound of zip-bounds.ts and none of its entries was read. */
export type ReadProblem = Readonly<{ name: string | null; message: string; kind?: 'bounds' }>;

const READ_CHUNK = 4 * 1024 * 1024;

async function digest(
  stream: Readable,
  keep: boolean,
  signal?: AbortSignal,
): Promise<{ sha256: string; bytes: number; content: Buffer | null }> {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    throwIfCancelled(signal);
    const b = chunk as Buffer;
    hash.update(b);
    bytes += b.length;
    if (keep) kept.push(b);
  }
  return { sha256: hash.digest('hex'), bytes, content: keep ? Buffer.concat(kept) : null };
}

type Visit = (file: SourceFile) => void;
/** Consumes one file's stream completely (or fails). */
export type Consumer = (name: string, bytes: number, stream: Readable) => Promise<void>;

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(
      path,
      {
        lazyEntries: true,
        autoClose: false,
        decodeStrings: true,
        validateEntrySizes: true,
        strictFileNames: true,
      },
      (error, zip) => (error ? reject(error) : resolve(zip)),
    );
  });
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream)));
  });
}

async function readZip(
  path: string,
  consume: Consumer,
  problems: ReadProblem[],
  signal?: AbortSignal,
): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (error) {
    problems.push({ name: null, message: `not a readable ZIP: ${(error as Error).message}` });
    return;
  }
  try {
    const tooMany = entryCountProblem(zip);
    if (tooMany !== null) {
      problems.push({ ...tooMany, kind: 'bounds' });
      return;
    }
    const bounds = createBoundsTracker(zip);
    const seen = new Set<string>();
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        const onEntry = (e: yauzl.Entry) => {
          zip.off('end', onEnd);
          zip.off('error', onError);
          resolve(e);
        };
        const onEnd = () => {
          zip.off('entry', onEntry);
          zip.off('error', onError);
          resolve(null);
        };
        const onError = (err: Error) => {
          zip.off('entry', onEntry);
          zip.off('end', onEnd);
          reject(err);
        };
        zip.once('entry', onEntry);
        zip.once('end', onEnd);
        zip.once('error', onError);
        zip.readEntry();
      }).catch((error: unknown) => {
        problems.push({ name: null, message: `the ZIP is damaged: ${(error as Error).message}` });
        return null;
      });
      if (entry === null) break;
      throwIfCancelled(signal);
      const outOfBounds = bounds(entry);
      if (outOfBounds !== null) {
        // Nothing more of this ZIP is read: a crafted file ends here, with the bound it broke.
        problems.push({ ...outOfBounds, kind: 'bounds' });
        break;
      }
      const name = entry.fileName;
      if (name.endsWith('/')) continue;
      if (seen.has(name)) {
        problems.push({ name, message: 'the ZIP holds this name twice' });
        continue;
      }
      seen.add(name);
      try {
        assertSafeEntryName(name);
        await consume(name, entry.uncompressedSize, await entryStream(zip, entry));
      } catch (error) {
        if (isCancelled(error)) throw error;
        problems.push({ name, message: `cannot be read: ${(error as Error).message}` });
      }
    }
  } finally {
    zip.close();
  }
}

async function readDir(
  root: string,
  consume: Consumer,
  problems: ReadProblem[],
  signal?: AbortSignal,
): Promise<void> {
  let seen = 0;
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    for (const e of entries) {
      throwIfCancelled(signal);
      seen += 1;
      if (seen > MAX_BUNDLE_ENTRIES) {
        problems.push({
          name: null,
          message: `the folder holds more than ${MAX_BUNDLE_ENTRIES} entries; no more are read`,
          kind: 'bounds',
        });
        return;
      }
      const name = prefix === '' ? e.name : `${prefix}/${e.name}`;
      const full = join(dir, e.name);
      if (e.isDirectory()) {
        await walk(full, name);
      } else if (e.isFile()) {
        const size = (await lstat(full)).size;
        try {
          await consume(name, size, createReadStream(full, { highWaterMark: READ_CHUNK }));
        } catch (error) {
          if (isCancelled(error)) throw error;
          problems.push({ name, message: `cannot be read: ${(error as Error).message}` });
        }
      } else {
        // A link could point anywhere on the checking machine: it is never followed.
        problems.push({ name, message: 'is not a regular file (links are not followed)' });
      }
    }
  };
  await walk(root, '');
}

/** Streams every file of the bundle at `path` (a directory or a ZIP) through `consume`, in order. */
export async function forEachBundleFile(
  path: string,
  consume: Consumer,
  signal?: AbortSignal,
): Promise<ReadProblem[]> {
  const problems: ReadProblem[] = [];
  let info;
  try {
    info = await lstat(path);
  } catch {
    throw new AppError('evidence.not-found', `no bundle at ${path}`);
  }
  throwIfCancelled(signal);
  if (info.isDirectory()) await readDir(path, consume, problems, signal);
  else await readZip(path, consume, problems, signal);
  return problems;
}

/** Hashes every file of the bundle, keeping the content of those `wanted` says the checks read. */
export function readBundle(
  path: string,
  wanted: (name: string, bytes: number) => boolean,
  visit: Visit,
  signal?: AbortSignal,
): Promise<ReadProblem[]> {
  return forEachBundleFile(
    path,
    async (name, bytes, stream) => {
      visit({ name, ...(await digest(stream, wanted(name, bytes), signal)) });
    },
    signal,
  );
}
