import { createHash } from 'node:crypto';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { gifFirstFrame, looksLikeGif } from './gif-first-frame';
import { pdqHash, type RgbPixels } from './pdq';

/**
 * The hashes a media response is known by: SHA-256 (Vigil's own identity of bytes), MD5 (what many
 * shared hash lists still carry) and, for images Vigil can decode, PDQ with its quality.
 *
 * Invariant: SHA-256 and MD5 are always computed, whatever the bytes are; PDQ is either a hash or
 * null with the reason it was skipped — it never throws for hostile or broken input, and it never
 * decodes more than MAX_PDQ_PIXELS (the size is read from the header before any pixel is decoded),
 * so one image cannot stall a capture or exhaust memory.
 */

export type PdqSkipReason =
  | 'not-an-image' // video, audio, anything not image/*
  | 'unsupported-format' // an image type Vigil does not decode (WebP, AVIF, SVG…)
  | 'too-large' // more pixels than MAX_PDQ_PIXELS
  | 'undecodable'; // claims to be PNG/JPEG/GIF but does not decode

export type MediaHashes = Readonly<{
  sha256: string;
  md5: string;
  pdq: string | null;
  pdqQuality: number | null;
  pdqSkipped?: PdqSkipReason;
}>;

/** 25 megapixels: above any ordinary web image, and a few seconds of work at most. */
export const MAX_PDQ_PIXELS = 25_000_000;

type Decoded = { ok: true; pixels: RgbPixels } | { ok: false; reason: PdqSkipReason };

export function hashMedia(bytes: Uint8Array, contentType: string | null): MediaHashes {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const md5 = createHash('md5').update(bytes).digest('hex');
  const decoded = decodeImage(bytes, mediaTypeOf(contentType));
  if (!decoded.ok) return { sha256, md5, pdq: null, pdqQuality: null, pdqSkipped: decoded.reason };
  const { hex, quality } = pdqHash(decoded.pixels);
  return { sha256, md5, pdq: hex, pdqQuality: quality };
}

/** `image/PNG; charset=x` → `image/png`; a missing type is judged by the bytes alone. */
function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function looksLikePng(bytes: Uint8Array): boolean {
  return PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

function looksLikeJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/**
 * Sniffs the bytes as well as the declared type: servers mislabel images (a JPEG served as
 * image/png, or as application/octet-stream), and a list match must not hang on the label.
 */
function decodeImage(bytes: Uint8Array, mediaType: string): Decoded {
  if (looksLikePng(bytes)) return decodePng(bytes);
  if (looksLikeJpeg(bytes)) return decodeJpeg(bytes);
  // A GIF is hashed by its first frame, as a still of it would be.
  if (looksLikeGif(bytes)) return gifFirstFrame(bytes, MAX_PDQ_PIXELS);
  if (mediaType.startsWith('image/')) {
    return mediaType === 'image/png' || mediaType === 'image/jpeg' || mediaType === 'image/gif'
      ? { ok: false, reason: 'undecodable' }
      : { ok: false, reason: 'unsupported-format' };
  }
  return { ok: false, reason: 'not-an-image' };
}

function decodePng(bytes: Uint8Array): Decoded {
  // IHDR is the first chunk: width and height at bytes 16..24.
  if (bytes.length < 24) return { ok: false, reason: 'undecodable' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(16) * view.getUint32(20) > MAX_PDQ_PIXELS) return { ok: false, reason: 'too-large' };
  try {
    const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    // pngjs gives RGBA; transparent pixels keep their colour channels, as the reference ignores alpha.
    return { ok: true, pixels: { width: png.width, height: png.height, channels: 4, data: png.data } };
  } catch {
    return { ok: false, reason: 'undecodable' };
  }
}

function decodeJpeg(bytes: Uint8Array): Decoded {
  const size = jpegSize(bytes);
  if (size === null) return { ok: false, reason: 'undecodable' };
  if (size.width * size.height > MAX_PDQ_PIXELS) return { ok: false, reason: 'too-large' };
  try {
    const image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: MAX_PDQ_PIXELS / 1_000_000,
      maxMemoryUsageInMB: 512,
    });
    return { ok: true, pixels: { width: image.width, height: image.height, channels: 3, data: image.data } };
  } catch {
    return { ok: false, reason: 'undecodable' };
  }
}

/** Width and height from the first SOFn marker, without decoding anything. */
function jpegSize(bytes: Uint8Array): { width: number; height: number } | null {
  let offset = 2;
  while (offset + 9 < bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    const length = ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      const height = ((bytes[offset + 5] ?? 0) << 8) | (bytes[offset + 6] ?? 0);
      const width = ((bytes[offset + 7] ?? 0) << 8) | (bytes[offset + 8] ?? 0);
      return { width, height };
    }
    if (length < 2) return null;
    offset += 2 + length;
  }
  return null;
}
