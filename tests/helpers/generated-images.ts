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
