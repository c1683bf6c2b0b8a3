import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeRows, readPng, stackAbove } from '@core/capture/png-rows';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0);
  return Buffer.concat([len, Buffer.from(type, 'latin1'), data, crc]);
}

/** An RGBA PNG whose every row, the first included, uses the Up filter (2). */
function upFilteredPng(rows: readonly Buffer[], width: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(rows.length, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const lines: Buffer[] = [];
  let prior: Buffer = Buffer.alloc(width * 4);
  for (const row of rows) {
    lines.push(Buffer.from([2]), Buffer.from(row.map((v, i) => (v - (prior[i] ?? 0)) & 0xff)));
    prior = row;
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(lines))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('stacking a caption band above a screenshot', () => {
  it('keeps every pixel of the original, even when its first row is filtered against the row above', () => {
    const width = 3;
    const rows = [0, 1, 2].map((y) =>
      Buffer.from(Array.from({ length: width * 4 }, (_, i) => (y * 50 + i * 17) & 0xff)),
    );
    const original = readPng(upFilteredPng(rows, width));
    expect(decodeRows(original, 4)).toEqual(rows);
    const band = [Buffer.alloc(width * 4, 0x80), Buffer.alloc(width * 4, 0x33)];
    const stacked = readPng(stackAbove(band, original));
    expect(stacked.height).toBe(5);
    const decoded = decodeRows(stacked, 4);
    expect(decoded.slice(0, 2)).toEqual(band);
    expect(decoded.slice(2)).toEqual(rows);
  });
});
