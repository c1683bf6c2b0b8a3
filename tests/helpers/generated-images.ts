import { encodePng } from '@core/capture/png-rows';
import type { RgbPixels } from '@core/media/pdq';

/**
 * Deterministic synthetic images for the media-hash tests (gradients, shapes, seeded noise) — never
 * real material. The same parameters always give the same pixels, so reference PDQ hashes computed
 * once for them stay valid vectors.
 */

/** xorshift32: a tiny seeded generator, identical on every platform. */
function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

export type SceneKind = 'gradient-shapes' | 'noise' | 'stripes';

/** A scene of `kind` drawn at width×height; scenes with the same seed are the same picture at any size. */
export function generatedImage(kind: SceneKind, width: number, height: number, seed = 1): RgbPixels {
  const data = new Uint8Array(width * height * 3);
  const random = xorshift(seed);
  const circles = Array.from({ length: 6 }, () => ({
    cx: (random() % 1000) / 1000,
    cy: (random() % 1000) / 1000,
    r: 0.05 + (random() % 200) / 1000,
    colour: [random() % 256, random() % 256, random() % 256] as const,
  }));
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const u = x / width;
      const v = y / height;
      const o = (y * width + x) * 3;
      let rgb: [number, number, number];
      if (kind === 'noise') {
        const n = random();
        rgb = [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff];
      } else if (kind === 'stripes') {
        const band = Math.floor((u + v * 0.5) * 9) % 2 === 0 ? 230 : 25;
        rgb = [band, Math.round(255 * v), 255 - band];
      } else {
        rgb = [Math.round(255 * u), Math.round(255 * v), Math.round(128 + 100 * Math.sin(6 * u))];
        for (const c of circles) {
          if ((u - c.cx) ** 2 + (v - c.cy) ** 2 < c.r * c.r) rgb = [c.colour[0], c.colour[1], c.colour[2]];
        }
      }
      data[o] = rgb[0];
      data[o + 1] = rgb[1];
      data[o + 2] = rgb[2];
    }
  }
  return { width, height, channels: 3, data };
}

/** Bilinear resize (what an upload pipeline or a thumbnailer does to a copy). */
export function resized(image: RgbPixels, width: number, height: number): RgbPixels {
  const data = new Uint8Array(width * height * 3);
  const { channels } = image;
  for (let y = 0; y < height; y += 1) {
    const sy = Math.min(image.height - 1, ((y + 0.5) * image.height) / height - 0.5);
    const y0 = Math.max(0, Math.floor(sy));
    const y1 = Math.min(image.height - 1, y0 + 1);
    const fy = Math.max(0, sy - y0);
    for (let x = 0; x < width; x += 1) {
      const sx = Math.min(image.width - 1, ((x + 0.5) * image.width) / width - 0.5);
      const x0 = Math.max(0, Math.floor(sx));
      const x1 = Math.min(image.width - 1, x0 + 1);
      const fx = Math.max(0, sx - x0);
      for (let c = 0; c < 3; c += 1) {
        const at = (px: number, py: number): number =>
          image.data[(py * image.width + px) * channels + c] ?? 0;
        const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
        const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
        data[(y * width + x) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width, height, channels: 3, data };
}

/** The pixels as RGBA (what the JPEG encoder takes). */
export function toRgba(image: RgbPixels): Uint8Array {
  const out = new Uint8Array(image.width * image.height * 4);
  for (let p = 0; p < image.width * image.height; p += 1) {
    out[p * 4] = image.data[p * image.channels] ?? 0;
    out[p * 4 + 1] = image.data[p * image.channels + 1] ?? 0;
    out[p * 4 + 2] = image.data[p * image.channels + 2] ?? 0;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** The pixels as an RGB PNG (filter 0 rows). */
export function pngOf(image: RgbPixels): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < image.height; y += 1) {
    const row = Buffer.alloc(1 + image.width * 3);
    for (let x = 0; x < image.width; x += 1)
      for (let c = 0; c < 3; c += 1)
        row[1 + x * 3 + c] = image.data[(y * image.width + x) * image.channels + c] ?? 0;
    rows.push(row);
  }
  return encodePng(image.width, image.height, 2, Buffer.concat(rows));
}

/** The pixels reduced to the 3-3-2 palette the GIF helper writes (what a GIF of them shows). */
export function quantised332(image: RgbPixels): RgbPixels {
  const data = new Uint8Array(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p += 1) {
    const index = paletteIndex(image, p);
    data.set(PALETTE_332.subarray(index * 3, index * 3 + 3), p * 3);
  }
  return { width: image.width, height: image.height, channels: 3, data };
}

const PALETTE_332 = Uint8Array.from({ length: 768 }, (_, i) => {
  const index = Math.floor(i / 3);
  const channel = i % 3;
  if (channel === 0) return Math.round(((index >> 5) * 255) / 7);
  if (channel === 1) return Math.round((((index >> 2) & 7) * 255) / 7);
  return Math.round(((index & 3) * 255) / 3);
});

function paletteIndex(image: RgbPixels, p: number): number {
  const r = image.data[p * image.channels] ?? 0;
  const g = image.data[p * image.channels + 1] ?? 0;
  const b = image.data[p * image.channels + 2] ?? 0;
  return (Math.round((r * 7) / 255) << 5) | (Math.round((g * 7) / 255) << 2) | Math.round((b * 3) / 255);
}

/** GIF's LZW (codes LSB first, growing to 12 bits; a clear code before the table fills). */
function lzwEncode(indices: readonly number[], minCodeSize: number): number[] {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  let codeSize = minCodeSize + 1;
  const write = (code: number): void => {
    buffer |= code << bits;
    bits += codeSize;
    while (bits >= 8) {
      out.push(buffer & 0xff);
      buffer >>>= 8;
      bits -= 8;
    }
  };
  let table = new Map<number, number>();
  let next = end + 1;
  write(clear);
  let prefix = indices[0] ?? 0;
  for (const k of indices.slice(1)) {
    const key = prefix * 256 + k;
    const known = table.get(key);
    if (known !== undefined) {
      prefix = known;
      continue;
    }
    write(prefix);
    table.set(key, next);
    next += 1;
    // The decoder adds its entry one code later, so it widens one code later too.
    if (next === (1 << codeSize) + 1 && codeSize < 12) codeSize += 1;
    if (next >= 4000) {
      write(clear);
      table = new Map();
      next = end + 1;
      codeSize = minCodeSize + 1;
    }
    prefix = k;
  }
  write(prefix);
  write(end);
  if (bits > 0) out.push(buffer & 0xff);
  return out;
}

/** A GIF89a of the pixels (3-3-2 palette, one LZW-compressed frame, optionally interlaced). */
export function gifOf(image: RgbPixels, interlaced = false): Buffer {
  const { width, height } = image;
  const rows: number[] = [];
  if (interlaced)
    for (const [start, step] of [
      [0, 8],
      [4, 8],
      [2, 4],
      [1, 2],
    ] as const)
      for (let y = start; y < height; y += step) rows.push(y);
  else for (let y = 0; y < height; y += 1) rows.push(y);
  const indices = rows.flatMap((y) =>
    Array.from({ length: width }, (_, x) => paletteIndex(image, y * width + x)),
  );
  const packed = lzwEncode(indices, 8);
  const blocks: number[] = [];
  for (let i = 0; i < packed.length; i += 255) {
    const part = packed.slice(i, i + 255);
    blocks.push(part.length, ...part);
  }
  const le = (n: number) => [n & 0xff, n >> 8];
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    ...le(width),
    ...le(height),
    0xf7, // global colour table of 256 entries
    0,
    0,
    ...PALETTE_332,
    ...[0x21, 0xf9, 4, 0, 0, 0, 0, 0], // graphic control extension (skipped by the decoder)
    0x2c,
    ...le(0),
    ...le(0),
    ...le(width),
    ...le(height),
    interlaced ? 0x40 : 0,
    8, // LZW minimum code size
    ...blocks,
    0,
    0x3b,
  ]);
}

/**
 * Generated test images only: vivid pure colours no page chrome uses, so that a single surviving
 * pixel in a screenshot is found, and unique byte runs, so that a byte scan finds any copy.
 */
export function vividPng(
  width: number,
  height: number,
  a: [number, number, number],
  b: [number, number, number],
): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y += 1) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x += 1) row.set((x >> 3) % 2 === (y >> 3) % 2 ? a : b, 1 + x * 3);
    rows.push(row);
  }
  return encodePng(width, height, 2, Buffer.concat(rows));
}
