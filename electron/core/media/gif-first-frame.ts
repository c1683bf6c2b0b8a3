import type { RgbPixels } from './pdq';

/**
 * The first frame of a GIF (87a/89a) as RGB pixels on the GIF's logical screen — what a viewer
 * shows first and what a hash list made from stills of animations was hashed from. Only what PDQ
 * needs: palettes, LZW, interlacing; transparency and later frames are ignored (the canvas starts
 * black where the first frame does not cover it).
 *
 * Invariant: never decodes more than `maxPixels` (screen and frame sizes are read from the headers
 * first) and never reads past the bytes: a truncated or malformed file gives null, not an exception.
 */

type Reader = { bytes: Uint8Array; at: number };

const u8 = (r: Reader): number => {
  const value = r.bytes[r.at];
  if (value === undefined) throw new RangeError('truncated GIF');
  r.at += 1;
  return value;
};
const u16 = (r: Reader): number => u8(r) | (u8(r) << 8);

function palette(r: Reader, entries: number): Uint8Array {
  if (r.at + entries * 3 > r.bytes.length) throw new RangeError('truncated GIF');
  const table = r.bytes.slice(r.at, r.at + entries * 3);
  r.at += entries * 3;
  return table;
}

/** The concatenated data sub-blocks that follow (each a length byte and that many bytes; 0 ends them). */
function subBlocks(r: Reader): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let size = u8(r); size !== 0; size = u8(r)) {
    if (r.at + size > r.bytes.length) throw new RangeError('truncated GIF');
    parts.push(r.bytes.subarray(r.at, r.at + size));
    total += size;
    r.at += size;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** GIF's variable-width LZW (codes LSB first, up to 12 bits), into exactly `count` palette indices. */
function lzwDecode(data: Uint8Array, minCodeSize: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < clear; i += 1) {
    suffix[i] = i;
    length[i] = 1;
  }
  let codeSize = minCodeSize + 1;
  let next = end + 1;
  let previous = -1;
  let written = 0;
  let bitBuffer = 0;
  let bitCount = 0;
  let pos = 0;
  const emit = (code: number): number => {
    // Writes the string of `code` in place (it is built back to front) and returns its first byte.
    const len = length[code] ?? 0;
    let c = code;
    for (let i = len - 1; i >= 0; i -= 1) {
      if (written + i < count) out[written + i] = suffix[c] ?? 0;
      c = prefix[c] ?? 0;
    }
    const first = out[Math.min(written, count - 1)] ?? 0;
    written += len;
    return first;
  };
  while (written < count) {
    while (bitCount < codeSize) {
      if (pos >= data.length) return out; // short data: the rest stays index 0
      bitBuffer |= (data[pos] ?? 0) << bitCount;
      pos += 1;
      bitCount += 8;
    }
    const code = bitBuffer & ((1 << codeSize) - 1);
    bitBuffer >>>= codeSize;
    bitCount -= codeSize;
    if (code === clear) {
      codeSize = minCodeSize + 1;
      next = end + 1;
      previous = -1;
      continue;
    }
    if (code === end) break;
    if (previous === -1) {
      if (code >= clear) return out; // malformed: the first code after a clear is a literal
      emit(code);
      previous = code;
      continue;
    }
    let first: number;
    if (code < next) {
      first = emit(code);
    } else if (code === next) {
      // The KwKwK case: the new string is the previous one plus its own first byte.
      const start = written;
      emit(previous);
      first = out[Math.min(start, count - 1)] ?? 0;
      if (written < count) out[written] = first;
      written += 1;
    } else return out; // malformed code
    if (next < 4096) {
      prefix[next] = previous;
      suffix[next] = first;
      length[next] = (length[previous] ?? 0) + 1;
      next += 1;
      if (next === 1 << codeSize && codeSize < 12) codeSize += 1;
    }
    previous = code;
  }
  return out;
}

const INTERLACE_PASSES: ReadonlyArray<readonly [number, number]> = [
  [0, 8],
  [4, 8],
  [2, 4],
  [1, 2],
];

export type GifFrame = { ok: true; pixels: RgbPixels } | { ok: false; reason: 'too-large' | 'undecodable' };

export function looksLikeGif(bytes: Uint8Array): boolean {
  return bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x38;
}

export function gifFirstFrame(bytes: Uint8Array, maxPixels: number): GifFrame {
  try {
    const r: Reader = { bytes, at: 6 };
    const width = u16(r);
    const height = u16(r);
    if (width * height > maxPixels) return { ok: false, reason: 'too-large' };
    const flags = u8(r);
    r.at += 2; // background colour index, pixel aspect ratio
    const global = flags & 0x80 ? palette(r, 2 << (flags & 7)) : null;
    for (;;) {
      const block = u8(r);
      if (block === 0x21) {
        u8(r); // extension label
        subBlocks(r);
      } else if (block === 0x2c) {
        const left = u16(r);
        const top = u16(r);
        const w = u16(r);
        const h = u16(r);
        if (w * h > maxPixels) return { ok: false, reason: 'too-large' };
        const imageFlags = u8(r);
        const colours = imageFlags & 0x80 ? palette(r, 2 << (imageFlags & 7)) : global;
        if (colours === null) return { ok: false, reason: 'undecodable' };
        const minCodeSize = u8(r);
        if (minCodeSize < 2 || minCodeSize > 11) return { ok: false, reason: 'undecodable' };
        const indices = lzwDecode(subBlocks(r), minCodeSize, w * h);
        const rows: number[] = [];
        if (imageFlags & 0x40)
          for (const [start, step] of INTERLACE_PASSES) for (let y = start; y < h; y += step) rows.push(y);
        else for (let y = 0; y < h; y += 1) rows.push(y);
        const data = new Uint8Array(width * height * 3);
        rows.forEach((y, row) => {
          const cy = top + y;
          if (cy >= height) return;
          for (let x = 0; x < w && left + x < width; x += 1) {
            const index = indices[row * w + x] ?? 0;
            const o = (cy * width + left + x) * 3;
            data[o] = colours[index * 3] ?? 0;
            data[o + 1] = colours[index * 3 + 1] ?? 0;
            data[o + 2] = colours[index * 3 + 2] ?? 0;
          }
        });
        return { ok: true, pixels: { width, height, channels: 3, data } };
      } else return { ok: false, reason: 'undecodable' }; // the trailer or garbage before any frame
    }
  } catch {
    return { ok: false, reason: 'undecodable' };
  }
}
