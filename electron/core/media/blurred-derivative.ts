import { createHash } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { encodePng, readPng, scanlines, unfilterRow } from '../capture/png-rows';

/**
 * Cell size of the mosaic in pixels. At 24 px a line of body text (13–16 px) falls inside one
 * cell and a face becomes a few grey squares: what is left is the page's layout, which a reviewer
 * needs in order to decide whether to reveal.
 */
export const BLUR_CELL = 24;

/** An 8-bit greyscale PNG (ISO/IEC 15948 colour type 0) from unfiltered scanlines (filter byte 0 each). */
function greyPng(width: number, height: number, raw: Buffer): Buffer {
  return encodePng(width, height, 0, raw);
}

/** What is served for an image that cannot be decoded: one mid-grey pixel, never the original. */
const PLACEHOLDER = greyPng(1, 1, Buffer.from([0, 0x80]));

/**
 * The blurred, greyscale stand-in for a sensitive image: the same width and height (so the viewer's
 * layout, zoom and segment positions stay as they are), each `cell`×`cell` square replaced by its
 * mean luma (ITU-R BT.601 weights). Colour and detail are gone from the bytes themselves, so nothing
 * a client does (or fails to do) with CSS can bring them back. Rows are decoded one band at a time.
 */
export function blurredPng(png: Buffer, cell: number = BLUR_CELL): Buffer {
  let image;
  let raw: Buffer;
  try {
    image = readPng(png);
    raw = scanlines(image);
  } catch {
    return PLACEHOLDER;
  }
  const { width, height, channels } = image;
  const stride = width * channels;
  if (width === 0 || height === 0 || raw.length < height * (stride + 1)) return PLACEHOLDER;
  const cells = Math.ceil(width / cell);
  const out = Buffer.alloc(height * (width + 1));
  let prior: Buffer = Buffer.alloc(stride);
  for (let top = 0; top < height; top += cell) {
    const bottom = Math.min(height, top + cell);
    const sums = new Float64Array(cells);
    const counts = new Float64Array(cells);
    for (let y = top; y < bottom; y += 1) {
      const row = unfilterRow(raw.subarray(y * (stride + 1), (y + 1) * (stride + 1)), prior, channels);
      prior = row;
      for (let x = 0; x < width; x += 1) {
        const p = x * channels;
        const luma = 0.299 * (row[p] ?? 0) + 0.587 * (row[p + 1] ?? 0) + 0.114 * (row[p + 2] ?? 0);
        const c = Math.floor(x / cell);
        sums[c] = (sums[c] ?? 0) + luma;
        counts[c] = (counts[c] ?? 0) + 1;
      }
    }
    const line = Buffer.alloc(width + 1);
    for (let x = 0; x < width; x += 1) {
      const c = Math.floor(x / cell);
      line[x + 1] = Math.round((sums[c] ?? 0) / Math.max(1, counts[c] ?? 1));
    }
    for (let y = top; y < bottom; y += 1) line.copy(out, y * (width + 1));
  }
  return greyPng(width, height, out);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

export type BlurCache = Readonly<{
  /** The blurred derivative of a stored image: its file (made once, then reused) and size. */
  derivative: (sha256: string, open: () => Readable) => Promise<Readonly<{ path: string; bytes: number }>>;
}>;

/**
 * Derivatives are kept under `cache/blurred/<sha256 of the original>.png` beside the evidence, not
 * in the blob store: they are not evidence, can be deleted at any time and are made again on demand.
 * The name is content-addressed by the original, whose bytes never change, so a file found there is
 * always the right one. Written to a temporary name and renamed, so a reader never sees half a file.
 */
export function createBlurCache(root: string): BlurCache {
  const dir = join(root, 'cache', 'blurred');
  return {
    derivative: async (sha256, open) => {
      const path = join(dir, `${sha256}.png`);
      const known = await stat(path).catch(() => null);
      if (known !== null) return { path, bytes: known.size };
      const blurred = blurredPng(await readAll(open()));
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temp = join(
        dir,
        `.${sha256}.${createHash('sha256').update(blurred).digest('hex').slice(0, 12)}.${process.pid}.part`,
      );
      await writeFile(temp, blurred, { mode: 0o600 });
      await rename(temp, path);
      return { path, bytes: blurred.length };
    },
  };
}
