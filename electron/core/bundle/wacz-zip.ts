import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** A WACZ opened for checking: its entries by name, read whole, hashed or by byte range. */
export type WaczZip = Readonly<{
  entries: ReadonlyMap<string, yauzl.Entry>;
  read: (name: string, limit?: number) => Promise<Buffer>;
  /** SHA-256 (hex) and size of an entry's stored bytes, streamed. */
  hash: (name: string) => Promise<{ sha256: string; bytes: number }>;
  /** `length` bytes of a STORED entry from `offset`, streamed through `onChunk`. */
  range: (name: string, offset: number, length: number, onChunk: (chunk: Buffer) => void) => Promise<void>;
  close: () => void;
}>;

const drain = (stream: Readable, onChunk: (chunk: Buffer) => void): Promise<void> =>
  new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => onChunk(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve());
  });

export async function openWaczZip(file: string): Promise<WaczZip> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.readEntry();
  });
  const entry = (name: string): yauzl.Entry => {
    const found = entries.get(name);
    if (!found) throw new Error(`${name} is not in the WACZ`);
    return found;
  };
  return {
    entries,
    async read(name, limit = 64 * 1024 * 1024) {
      const e = entry(name);
      if (e.uncompressedSize > limit) throw new Error(`${name} is larger than ${limit} bytes`);
      const chunks: Buffer[] = [];
      await drain(await zip.openReadStreamPromise(e), (c) => chunks.push(c));
      return Buffer.concat(chunks);
    },
    async hash(name) {
      const hash = createHash('sha256');
      let bytes = 0;
      await drain(await zip.openReadStreamPromise(entry(name)), (c) => {
        hash.update(c);
        bytes += c.length;
      });
      return { sha256: hash.digest('hex'), bytes };
    },
    async range(name, offset, length, onChunk) {
      const e = entry(name);
      if (length === 0) return;
      // yauzl reads a byte range only of a STORED entry, which is what a WACZ archive must be.
      await drain(await zip.openReadStreamPromise(e, { start: offset, end: offset + length }), onChunk);
    },
    close: () => zip.close(),
  };
}
