import { createWriteStream } from 'node:fs';
import { copyFile, open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';

export type CdxjLine = Readonly<{ url: string; offset: number; length: number; filename: string }> &
  Readonly<Record<string, unknown>>;

export function parseCdxj(text: string): CdxjLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>)
    .map((f) => ({
      ...f,
      url: String(f['url']),
      offset: Number(f['offset']),
      length: Number(f['length']),
      filename: String(f['filename']),
    }));
}

/** Where an entry's stored bytes start in the ZIP file. */
export async function entryDataStart(zipFile: string, name: string): Promise<number> {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true, autoClose: false });
  try {
    const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => reject(new Error(`${name} not in ${zipFile}`)));
      zip.on('entry', (e: yauzl.Entry) => (e.fileName === name ? resolve(e) : zip.readEntry()));
      zip.readEntry();
    });
    if (entry.compressionMethod !== 0) throw new Error(`${name} is not stored`);
    return (await zip.readLocalFileHeaderPromise(entry, { minimal: true })).fileDataStart;
  } finally {
    zip.close();
  }
}

/**
 * Copies a WACZ and flips one byte (XOR 0x01) of its WARC, `at` bytes into the entry: what a
 * one-bit change of the evidence after writing looks like.
 */
export async function flipWarcByte(waczFile: string, out: string, at: number): Promise<void> {
  await copyFile(waczFile, out);
  const position = (await entryDataStart(out, 'archive/data.warc.gz')) + at;
  const handle = await open(out, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = (byte[0] ?? 0) ^ 0x01;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

/** Copies a WACZ entry by entry (all STORED), letting `edit` replace any entry's bytes. */
export async function rewriteWacz(
  waczFile: string,
  out: string,
  edit: (name: string, bytes: Buffer) => Buffer,
): Promise<void> {
  const zip = await yauzl.openPromise(waczFile, { lazyEntries: true, autoClose: false });
  const entries: { name: string; bytes: Buffer }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (e: yauzl.Entry) => {
        void zip.openReadStreamPromise(e).then((stream) => {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.push({ name: e.fileName, bytes: Buffer.concat(chunks) });
            zip.readEntry();
          });
        }, reject);
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  const writer = new yazl.ZipFile();
  for (const { name, bytes } of entries) writer.addBuffer(edit(name, bytes), name, { compress: false });
  writer.end();
  await pipeline(writer.outputStream, createWriteStream(out));
}
