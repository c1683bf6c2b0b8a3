import { createHash } from 'node:crypto';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { gifFirstFrame } from '@core/media/gif-first-frame';
import { hashMedia, MAX_PDQ_PIXELS } from '@core/media/media-hashes';
import { pdqDistance, pdqHash } from '@core/media/pdq';
import { packPdqs, pdqNear } from '@core/media/media-matcher';
import {
  generatedImage,
  gifOf,
  pngOf,
  quantised332,
  resized,
  toRgba,
  type SceneKind,
} from '../../helpers/generated-images';

/**
 * PDQ against the published reference implementation (C++, built from its sources and run on the
 * same generated pixels, written as binary PPM): the hash and the quality must agree exactly.
 */
const REFERENCE_VECTORS: ReadonlyArray<[SceneKind, number, number, number, string, number]> = [
  ['gradient-shapes', 640, 480, 1, 'a83d998d98a898335333ebd86cd8689d3ba9b3325673c4c6c6563333bb372889', 51],
  ['gradient-shapes', 333, 517, 7, '7e6c7e415fc459c5cfe1418c49ac89bc849ea43a2113f833ce43de43fc63dd41', 82],
  ['noise', 200, 150, 3, '64578312e839d0c5b938b1148f5761ee0fd0704b9f2b0d38bed502cbabe6a7c7', 100],
  ['stripes', 1024, 64, 1, 'ae0240d0ee3aaaea4e15a0faee1580faee1540fabe1554ba11fafb5111aefb45', 100],
  ['gradient-shapes', 64, 64, 2, '4a6aad6c54bb575b6a248a95554b6d6c94ba4a93a56c76a44a8b85ad33546f6a', 83],
  ['stripes', 7, 5, 1, '658f0b251a70f4dace71c07fe58b1f80392c0b24e58f0b251a74f4dbce53c07f', 83],
  ['gradient-shapes', 4, 9, 1, '0'.repeat(64), 0],
];

describe('PDQ', () => {
  it.each(REFERENCE_VECTORS)(
    '%s %ix%i seed %i hashes as the reference does',
    (kind, w, h, seed, hex, quality) => {
      expect(pdqHash(generatedImage(kind, w, h, seed))).toEqual({ hex, quality });
    },
  );

  it('a resized, JPEG re-encoded copy is within 31 bits; an unrelated image is far', () => {
    const original = generatedImage('gradient-shapes', 640, 480, 7);
    const copy = jpeg.encode(
      { ...resized(original, 301, 226), data: toRgba(resized(original, 301, 226)) },
      60,
    ).data;
    const a = hashMedia(pngOf(original), 'image/png');
    const b = hashMedia(copy, 'image/jpeg');
    const other = hashMedia(pngOf(generatedImage('gradient-shapes', 640, 480, 99)), 'image/png');
    if (a.pdq === null || b.pdq === null || other.pdq === null) throw new Error('no PDQ');
    expect(a.sha256).not.toBe(b.sha256);
    expect(pdqDistance(a.pdq, b.pdq)).toBeLessThanOrEqual(31);
    expect(pdqDistance(a.pdq, other.pdq)).toBeGreaterThan(31 * 2);
    expect(pdqDistance(a.pdq, a.pdq)).toBe(0);
  });

  it('the packed scan finds exactly the entries within the threshold', () => {
    const base = 'f'.repeat(64);
    const flip = (n: number): string => '0'.repeat(Math.floor(n / 4)) + 'f'.repeat(64 - Math.floor(n / 4));
    const packed = packPdqs([flip(0), flip(28), flip(32), flip(36), flip(256)]);
    expect(pdqNear(packed, base, 31)).toEqual([
      { index: 0, distance: 0 },
      { index: 1, distance: 28 },
    ]);
    expect(pdqNear(packed, base, 32).map((h) => h.index)).toEqual([0, 1, 2]);
  });
});

describe('hashMedia', () => {
  it('always gives SHA-256 and MD5 of the bytes, and PDQ of what decodes', () => {
    const png = pngOf(generatedImage('stripes', 120, 80, 1));
    const hashes = hashMedia(png, 'image/png; charset=binary');
    expect(hashes.sha256).toBe(createHash('sha256').update(png).digest('hex'));
    expect(hashes.md5).toBe(createHash('md5').update(png).digest('hex'));
    expect(hashes.pdq).toBe(pdqHash(generatedImage('stripes', 120, 80, 1)).hex);
    expect(hashes.pdqSkipped).toBeUndefined();
    // A JPEG mislabelled as octet-stream is still hashed (the bytes are sniffed).
    const img = generatedImage('stripes', 120, 80, 1);
    expect(
      hashMedia(jpeg.encode({ ...img, data: toRgba(img) }, 90).data, 'application/octet-stream').pdq,
    ).toMatch(/^[0-9a-f]{64}$/);
  });

  it('skips PDQ with a reason, never throwing', () => {
    const bytes = Buffer.from('not really a video');
    expect(hashMedia(bytes, 'video/mp4')).toMatchObject({
      pdq: null,
      pdqQuality: null,
      pdqSkipped: 'not-an-image',
    });
    expect(hashMedia(bytes, 'image/webp').pdqSkipped).toBe('unsupported-format');
    expect(hashMedia(bytes, 'image/gif').pdqSkipped).toBe('undecodable');
    expect(hashMedia(bytes, 'image/png').pdqSkipped).toBe('undecodable');
    const truncated = pngOf(generatedImage('noise', 50, 50, 1)).subarray(0, 200);
    expect(hashMedia(truncated, 'image/png').pdqSkipped).toBe('undecodable');
    expect(hashMedia(bytes, null).md5).toBe(createHash('md5').update(bytes).digest('hex'));
  });

  it('refuses to decode more than the pixel limit, from the header alone', () => {
    // A 6000×6000 PNG header over a few bytes of data: decoding would allocate 144 MB.
    const png = pngOf(generatedImage('noise', 8, 8, 1));
    png.writeUInt32BE(6000, 16);
    png.writeUInt32BE(6000, 20);
    expect(6000 * 6000).toBeGreaterThan(MAX_PDQ_PIXELS);
    expect(hashMedia(png, 'image/png').pdqSkipped).toBe('too-large');
    const img = generatedImage('noise', 16, 16, 1);
    const jpg = Buffer.from(jpeg.encode({ ...img, data: toRgba(img) }, 90).data);
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    jpg.writeUInt16BE(9000, sof + 5);
    jpg.writeUInt16BE(9000, sof + 7);
    expect(hashMedia(jpg, 'image/jpeg').pdqSkipped).toBe('too-large');
  });
});

describe('GIF', () => {
  it('hashes the first frame, plain or interlaced, as the pixels it shows', () => {
    const image = generatedImage('gradient-shapes', 203, 151, 5);
    const shown = pdqHash(quantised332(image));
    expect(hashMedia(gifOf(image), 'image/gif')).toMatchObject({ pdq: shown.hex, pdqQuality: shown.quality });
    expect(hashMedia(gifOf(image, true), 'image/gif').pdq).toBe(shown.hex);
    // The palette costs a few bits, not a match.
    expect(pdqDistance(shown.hex, pdqHash(image).hex)).toBeLessThanOrEqual(31);
  });

  it('decodes every pixel (long strings, the KwKwK case, table resets)', () => {
    for (const image of [
      generatedImage('gradient-shapes', 203, 151, 5),
      generatedImage('stripes', 300, 300, 1),
    ]) {
      const frame = gifFirstFrame(gifOf(image), 1e6);
      if (!frame.ok) throw new Error(frame.reason);
      expect(Buffer.from(frame.pixels.data).equals(Buffer.from(quantised332(image).data))).toBe(true);
    }
  });

  it('gives a reason for broken or oversized GIFs', () => {
    const gif = gifOf(generatedImage('noise', 20, 20, 2));
    expect(hashMedia(gif.subarray(0, 30), 'image/gif').pdqSkipped).toBe('undecodable');
    const huge = Buffer.from(gif);
    huge.writeUInt16LE(60000, 6);
    huge.writeUInt16LE(60000, 8);
    expect(hashMedia(huge, 'image/gif').pdqSkipped).toBe('too-large');
  });
});
