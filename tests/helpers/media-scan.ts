import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import yauzl from 'yauzl';

/**
 * Looks for copies of known test media in a store: every file under a directory, each read as it
 * can be (a WACZ's entries inflated, a WARC's gzip members unzipped), scanned for byte runs of each
 * medium, raw or base64. A restricted capture's stores must hold none.
 */

/**
 * Every regular file under a directory, recursively; links and sockets (a running browser's
 * profile has them) are not followed, and an entry that vanished meanwhile is skipped.
 */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    try {
      const s = lstatSync(p);
      return s.isDirectory() ? filesUnder(p) : s.isFile() ? [p] : [];
    } catch {
      return [];
    }
  });
}

/** The stored bytes of a file as they can be read: a WACZ's entries inflated, a gzip member unzipped. */
export async function readable(bytes: Buffer): Promise<Buffer[]> {
  if (bytes.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))) return [bytes, gunzipAll(bytes)];
  if (bytes.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) {
    const out: Buffer[] = [bytes];
    // A PDF stream that merely starts like a ZIP is scanned as it is.
    const entries = await unzip(bytes).catch((): Buffer[] => []);
    for (const entry of entries) out.push(...(await readable(entry)));
    return out;
  }
  return [bytes];
}

function gunzipAll(bytes: Buffer): Buffer {
  // A WARC is a sequence of gzip members; zlib reads them all.
  return gunzipSync(bytes);
}

function unzip(bytes: Buffer): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out: Buffer[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.push(Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Which fixture media occur in `bytes`, raw or base64 (a 48-byte run of each is enough to be a copy). */
export function mediaIn(bytes: Buffer, media: Readonly<Record<string, Buffer>>): string[] {
  return Object.entries(media)
    .filter(
      ([, m]) =>
        bytes.includes(m.subarray(m.length - 48)) ||
        bytes.includes(m.subarray(8, 56)) ||
        bytes.includes(m.toString('base64').slice(12, 76)),
    )
    .map(([name]) => name);
}

/** The names of the media any file under `dir` holds a copy of. */
export async function mediaUnder(dir: string, media: Readonly<Record<string, Buffer>>): Promise<string[]> {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      continue; // removed since it was listed (a browser's temporary file)
    }
    for (const view of await readable(bytes)) found.push(...mediaIn(view, media));
  }
  return [...new Set(found)];
}
