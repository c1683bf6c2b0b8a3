import { crc32, deflateSync, inflateSync } from 'node:zlib';

/**
 * Just enough PNG (ISO/IEC 15948) to stack rows: 8-bit RGB or RGBA, not interlaced — what Chromium's
 * `Page.captureScreenshot {format:png}` writes. Used to put a caption band above a screenshot
 * without re-rendering, re-scaling or re-quantising a single pixel of it.
 */
export type PngImage = Readonly<{ width: number; height: number; channels: 3 | 4; idat: Buffer }>;

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readPng(png: Buffer): PngImage {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let offset = 8;
  let header: { width: number; height: number; channels: 3 | 4 } | null = null;
  const idat: Buffer[] = [];
  while (offset + 8 <= png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      const [depth, color, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (color !== 2 && color !== 6) || interlace !== 0)
        throw new Error(`unsupported PNG (bit depth ${depth}, colour type ${color}, interlace ${interlace})`);
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), channels: color === 6 ? 4 : 3 };
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  if (header === null) throw new Error('PNG without IHDR');
  return { ...header, idat: Buffer.concat(idat) };
}

/** The filtered scanlines (one filter byte + the row) inflated from the image data. */
export function scanlines(image: PngImage): Buffer {
  return inflateSync(image.idat);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the filter of one row given the unfiltered row above it (zeros for the first row). */
export function unfilterRow(line: Buffer, prior: Buffer, bpp: number): Buffer {
  const filter = line[0] ?? 0;
  const out = Buffer.from(line.subarray(1));
  for (let i = 0; i < out.length; i += 1) {
    const a = i >= bpp ? (out[i - bpp] ?? 0) : 0;
    const b = prior[i] ?? 0;
    const c = i >= bpp ? (prior[i - bpp] ?? 0) : 0;
    const x = out[i] ?? 0;
    const add =
      filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, c);
    if (filter > 4) throw new Error(`bad PNG filter ${filter}`);
    out[i] = (x + add) & 0xff;
  }
  return out;
}

/** Every row of an image unfiltered, converted to `channels` (alpha dropped or set opaque). */
export function decodeRows(image: PngImage, channels: 3 | 4): Buffer[] {
  const raw = scanlines(image);
  const stride = image.width * image.channels;
  const rows: Buffer[] = [];
  let prior: Buffer = Buffer.alloc(stride);
  for (let y = 0; y < image.height; y += 1) {
    const row = unfilterRow(raw.subarray(y * (stride + 1), (y + 1) * (stride + 1)), prior, image.channels);
    prior = row;
    rows.push(convert(row, image.channels, channels));
  }
  return rows;
}

function convert(row: Buffer, from: 3 | 4, to: 3 | 4): Buffer {
  if (from === to) return row;
  const pixels = row.length / from;
  const out = Buffer.alloc(pixels * to, 0xff);
  for (let p = 0; p < pixels; p += 1) row.copy(out, p * to, p * from, p * from + 3);
  return out;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * An 8-bit PNG (ISO/IEC 15948) from raw scanlines, each led by its filter byte: colour type 0 grey,
 * 2 RGB, 6 RGBA. One IDAT, no ancillary chunks.
 */
export function encodePng(width: number, height: number, colourType: 0 | 2 | 6, raw: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A new PNG: `top` rows (already in the base's channel layout) above every row of `base`. The base's
 * rows are copied as they are filtered; only its first row, whose filter refers to an all-zero row
 * above it, is rewritten unfiltered (filter 0), so every base pixel decodes to exactly its value.
 */
export function stackAbove(top: readonly Buffer[], base: PngImage): Buffer {
  const stride = base.width * base.channels;
  const raw = scanlines(base);
  const first = unfilterRow(raw.subarray(0, stride + 1), Buffer.alloc(stride), base.channels);
  const parts: Buffer[] = [];
  for (const row of top) parts.push(Buffer.from([0]), row);
  parts.push(Buffer.from([0]), first, raw.subarray(stride + 1));
  return encodePng(base.width, base.height + top.length, base.channels === 4 ? 6 : 2, Buffer.concat(parts));
}
