import { createHash, type Hash } from 'node:crypto';
import { mkdir, open, rm, utimes, type FileHandle } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { AppError } from '@shared/errors/app-error';

/**
 * A deterministic ZIP writer (PKWARE APPNOTE 6.3.x): entries sorted by name, STORED (evidence is PNG,
 * WACZ and PDF, already compressed, and a stored entry is the original bytes, checkable by anyone), one
 * fixed timestamp taken from the export time, fixed attributes, no extra fields except ZIP64 where the
 * format requires it. Data streams through: sizes are known up front, the CRC follows each entry in a
 * data descriptor, so nothing is sought back and the whole archive can be hashed as it is written.
 */
export type BundleEntry = Readonly<{
  /** Forward-slash path inside the bundle. */
  name: string;
  bytes: number;
  /** Expected SHA-256: streamed data that differs aborts the export (a changed blob is never shipped). */
  sha256: string;
  open: () => Readable | Buffer;
}>;

export type WriteResult = Readonly<{ sha256: string | null; bytes: number; files: number }>;

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const VERSION_ZIP64 = 45;
const VERSION_DEFAULT = 20;
// Upper byte 3 = UNIX, so the external attributes below are read as a mode: a regular file, 0644.
const MADE_BY = (3 << 8) | VERSION_ZIP64;
const EXTERNAL_ATTRS = (0o100644 << 16) >>> 0;
// Bit 3: sizes and CRC in a data descriptor after the data; bit 11: names are UTF-8.
const FLAGS = 0x0008 | 0x0800;
const WRITE_CHUNK = 4 * 1024 * 1024;

/** Paths must stay inside the bundle: no absolute paths, no `..`, no backslashes, no empty segments. */
export function assertSafeEntryName(name: string): void {
  const parts = name.split('/');
  if (
    name.length === 0 ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new AppError('bundle.invalid', `unsafe path in bundle: ${JSON.stringify(name)}`);
  }
}

/** Byte order of the UTF-8 names, so the order is the same in every locale and language. */
export const compareNames = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

function sortedEntries(entries: readonly BundleEntry[]): BundleEntry[] {
  const sorted = [...entries].sort((a, b) => compareNames(a.name, b.name));
  for (let i = 0; i < sorted.length; i += 1) {
    const entry = sorted[i];
    if (entry === undefined) continue;
    assertSafeEntryName(entry.name);
    if (i > 0 && sorted[i - 1]?.name === entry.name)
      throw new AppError('bundle.invalid', `two bundle files are named ${entry.name}`);
  }
  return sorted;
}

/** MS-DOS date and time fields (local time by convention; we write UTC, said so in the README). */
function dosDateTime(at: Date): { time: number; date: number } {
  const year = Math.min(2107, Math.max(1980, at.getUTCFullYear()));
  const time = (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2);
  const date = ((year - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate();
  return { time, date };
}

type Written = { name: Buffer; offset: number; bytes: number; crc: number; zip64: boolean };

/** Sequential writer over a file handle that also hashes everything it writes. */
class Sink {
  position = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  constructor(
    private readonly handle: FileHandle,
    private readonly hash: Hash,
  ) {}
  async write(buf: Buffer): Promise<void> {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.position += buf.length;
    if (this.pendingBytes >= WRITE_CHUNK) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.hash.update(data);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done);
      done += bytesWritten;
    }
  }
}

async function* chunksOf(source: Readable | Buffer): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(source)) {
    yield source;
    return;
  }
  for await (const chunk of source) yield chunk as Buffer;
}

/** Streams one entry's data into `write`, checking its size and SHA-256; returns its CRC-32. */
async function streamEntry(entry: BundleEntry, write: (b: Buffer) => Promise<void>): Promise<number> {
  const hash = createHash('sha256');
  let crc = 0;
  let bytes = 0;
  for await (const chunk of chunksOf(entry.open())) {
    hash.update(chunk);
    crc = crc32(chunk, crc);
    bytes += chunk.length;
    await write(chunk);
  }
  const sha256 = hash.digest('hex');
  if (bytes !== entry.bytes || sha256 !== entry.sha256) {
    throw new AppError(
      'evidence.integrity-mismatch',
      `${entry.name} changed while it was exported (expected ${entry.bytes} bytes, sha256 ${entry.sha256}; read ${bytes} bytes, sha256 ${sha256})`,
      { file: entry.name },
    );
  }
  return crc;
}

function localHeader(name: Buffer, zip64: boolean, dos: { time: number; date: number }): Buffer {
  const extra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
  if (zip64) {
    // Sizes are in the data descriptor (bit 3); the ZIP64 field is present with zeros as APPNOTE 4.3.9.2 asks.
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(16, 2);
  }
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, 4);
  h.writeUInt16LE(FLAGS, 6);
  h.writeUInt16LE(0, 8);
  h.writeUInt16LE(dos.time, 10);
  h.writeUInt16LE(dos.date, 12);
  h.writeUInt32LE(0, 14);
  h.writeUInt32LE(zip64 ? U32_MAX : 0, 18);
  h.writeUInt32LE(zip64 ? U32_MAX : 0, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  return Buffer.concat([h, name, extra]);
}

function dataDescriptor(w: Written): Buffer {
  if (w.zip64) {
    const d = Buffer.alloc(24);
    d.writeUInt32LE(0x08074b50, 0);
    d.writeUInt32LE(w.crc, 4);
    d.writeBigUInt64LE(BigInt(w.bytes), 8);
    d.writeBigUInt64LE(BigInt(w.bytes), 16);
    return d;
  }
  const d = Buffer.alloc(16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(w.crc, 4);
  d.writeUInt32LE(w.bytes, 8);
  d.writeUInt32LE(w.bytes, 12);
  return d;
}

function centralHeader(w: Written, dos: { time: number; date: number }): Buffer {
  const bigSize = w.bytes >= U32_MAX;
  const bigOffset = w.offset >= U32_MAX;
  const fields: bigint[] = [];
  if (bigSize) fields.push(BigInt(w.bytes), BigInt(w.bytes));
  if (bigOffset) fields.push(BigInt(w.offset));
  const extra = Buffer.alloc(fields.length > 0 ? 4 + fields.length * 8 : 0);
  if (fields.length > 0) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(fields.length * 8, 2);
    fields.forEach((v, i) => extra.writeBigUInt64LE(v, 4 + i * 8));
  }
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(MADE_BY, 4);
  h.writeUInt16LE(w.zip64 || bigOffset ? VERSION_ZIP64 : VERSION_DEFAULT, 6);
  h.writeUInt16LE(FLAGS, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(dos.time, 12);
  h.writeUInt16LE(dos.date, 14);
  h.writeUInt32LE(w.crc, 16);
  h.writeUInt32LE(bigSize ? U32_MAX : w.bytes, 20);
  h.writeUInt32LE(bigSize ? U32_MAX : w.bytes, 24);
  h.writeUInt16LE(w.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt16LE(0, 32);
  h.writeUInt16LE(0, 34);
  h.writeUInt16LE(0, 36);
  h.writeUInt32LE(EXTERNAL_ATTRS, 38);
  h.writeUInt32LE(bigOffset ? U32_MAX : w.offset, 42);
  return Buffer.concat([h, w.name, extra]);
}

function endRecords(count: number, cdOffset: number, cdSize: number): Buffer {
  const needs64 = count >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX;
  const parts: Buffer[] = [];
  if (needs64) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE(MADE_BY, 12);
    z.writeUInt16LE(VERSION_ZIP64, 14);
    z.writeUInt32LE(0, 16);
    z.writeUInt32LE(0, 20);
    z.writeBigUInt64LE(BigInt(count), 24);
    z.writeBigUInt64LE(BigInt(count), 32);
    z.writeBigUInt64LE(BigInt(cdSize), 40);
    z.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(z, locator);
  }
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(0, 4);
  e.writeUInt16LE(0, 6);
  e.writeUInt16LE(Math.min(count, U16_MAX), 8);
  e.writeUInt16LE(Math.min(count, U16_MAX), 10);
  e.writeUInt32LE(Math.min(cdSize, U32_MAX), 12);
  e.writeUInt32LE(Math.min(cdOffset, U32_MAX), 16);
  e.writeUInt16LE(0, 20);
  parts.push(e);
  return Buffer.concat(parts);
}

/**
 * Writes `entries` as a ZIP at `outPath` (created new: an existing file is never replaced). On any
 * failure the partial file is removed. Returns the archive's SHA-256, computed while writing.
 */
export async function writeZip(
  outPath: string,
  entries: readonly BundleEntry[],
  modifiedAt: Date,
): Promise<WriteResult> {
  const sorted = sortedEntries(entries);
  const dos = dosDateTime(modifiedAt);
  await mkdir(dirname(outPath), { recursive: true });
  const handle = await open(outPath, 'wx', 0o644);
  const hash = createHash('sha256');
  const sink = new Sink(handle, hash);
  let ok = false;
  try {
    const written: Written[] = [];
    for (const entry of sorted) {
      const name = Buffer.from(entry.name, 'utf8');
      const zip64 = entry.bytes >= U32_MAX;
      const offset = sink.position;
      await sink.write(localHeader(name, zip64, dos));
      const crc = await streamEntry(entry, (b) => sink.write(b));
      const w: Written = { name, offset, bytes: entry.bytes, crc: crc >>> 0, zip64 };
      await sink.write(dataDescriptor(w));
      written.push(w);
    }
    const cdOffset = sink.position;
    for (const w of written) await sink.write(centralHeader(w, dos));
    const cdSize = sink.position - cdOffset;
    await sink.write(endRecords(written.length, cdOffset, cdSize));
    await sink.flush();
    await handle.sync();
    ok = true;
    return { sha256: hash.digest('hex'), bytes: sink.position, files: sorted.length };
  } finally {
    await handle.close();
    if (!ok) await rm(outPath, { force: true });
  }
}

/**
 * The same tree as a folder (`--dir`): files created new under a directory that must not exist yet,
 * with the export time as their modification time. A failure removes what was written.
 */
export async function writeTree(
  outDir: string,
  entries: readonly BundleEntry[],
  modifiedAt: Date,
): Promise<WriteResult> {
  const sorted = sortedEntries(entries);
  await mkdir(dirname(outDir), { recursive: true });
  try {
    await mkdir(outDir);
  } catch (error) {
    throw new AppError('bundle.write-failed', `cannot create ${outDir}: ${(error as Error).message}`);
  }
  let ok = false;
  let bytes = 0;
  try {
    for (const entry of sorted) {
      const target = join(outDir, ...entry.name.split('/'));
      if (!target.startsWith(outDir + sep)) throw new AppError('bundle.invalid', `unsafe path ${entry.name}`);
      await mkdir(dirname(target), { recursive: true });
      const handle = await open(target, 'wx', 0o644);
      try {
        await streamEntry(entry, async (b) => {
          let done = 0;
          while (done < b.length) done += (await handle.write(b, done, b.length - done)).bytesWritten;
        });
        await handle.sync();
      } finally {
        await handle.close();
      }
      await utimes(target, modifiedAt, modifiedAt);
      bytes += entry.bytes;
    }
    ok = true;
    return { sha256: null, bytes, files: sorted.length };
  } finally {
    if (!ok) await rm(outDir, { recursive: true, force: true });
  }
}
