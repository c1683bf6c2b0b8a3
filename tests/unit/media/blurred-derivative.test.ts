import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blurredPng } from '@core/media/blurred-derivative';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A generated RGB PNG (filter 0 rows) whose pixel colour comes from `colour(x, y)`. */
function rgbPng(width: number, height: number, colour: (x: number, y: number) => [number, number, number]) {
  const raw = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) {
      const [r, g, b] = colour(x, y);
      const at = y * (width * 3 + 1) + 1 + x * 3;
      raw[at] = r;
      raw[at + 1] = g;
      raw[at + 2] = b;
    }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The grey values of a colour-type-0 PNG written with filter 0 rows (what blurredPng writes). */
function greyRows(png: Buffer): { width: number; height: number; colourType: number; rows: Buffer[] } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const idatLength = png.readUInt32BE(33);
  const raw = inflateSync(png.subarray(41, 41 + idatLength));
  const rows = [];
  for (let y = 0; y < height; y += 1) rows.push(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)));
  return { width, height, colourType: png[25] ?? -1, rows };
}

describe('the blurred derivative of a sensitive image', () => {
  it('keeps the size, drops colour and replaces each 24 px square by its mean grey', () => {
    // A checkerboard of 1 px red and blue: detail no 24 px square keeps.
    const png = rgbPng(50, 30, (x, y) => ((x + y) % 2 === 0 ? [255, 0, 0] : [0, 0, 255]));
    const out = greyRows(blurredPng(png));
    expect({ width: out.width, height: out.height, colourType: out.colourType }).toEqual({
      width: 50,
      height: 30,
      colourType: 0,
    });
    const mean = Math.round((0.299 * 255 + 0.114 * 255) / 2);
    for (const row of out.rows.slice(0, 24)) {
      expect(new Set(row.subarray(0, 24))).toEqual(new Set([mean]));
      expect(new Set(row.subarray(24, 48))).toEqual(new Set([mean]));
    }
    // Every row of a band is the same row.
    for (const row of out.rows.slice(1, 24)) expect(row.equals(out.rows[0] as Buffer)).toBe(true);
  });

  it('gives a grey placeholder, never the input, for bytes it cannot decode', () => {
    const notPng = Buffer.from('\x89PNG but not really');
    const out = blurredPng(notPng);
    expect(out.equals(notPng)).toBe(false);
    expect(greyRows(out)).toMatchObject({ width: 1, height: 1, colourType: 0 });
  });
});
