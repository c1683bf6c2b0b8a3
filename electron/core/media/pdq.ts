/**
 * PDQ, the 256-bit perceptual image hash hotlines and platforms exchange (published with its
 * reference implementation in 2017): luminance → two passes of a Jarosz box filter sized so the
 * image blurs down to 64×64 → decimate to 64×64 → the 16×16 lowest non-DC coefficients of a 2D DCT →
 * one bit per coefficient, set when it is above their median. Plus a quality figure 0–100 (how much
 * significant gradient the 64×64 image holds; hashes of quality < 50 are weak evidence of a match).
 *
 * Invariant: the same pixels give the same hash as the reference implementation, bit for bit.
 * The reference computes in 32-bit floats, so every arithmetic step here is rounded to float32
 * (`Math.fround`) in the reference's order; the unit tests hold hashes the reference produced for
 * generated images. Hex is the reference's layout: sixteen 16-bit words, the highest word first,
 * bit k of the hash being bit (k mod 16) of word ⌊k/16⌋.
 */

const f = Math.fround;

/** Width × height × RGB(A) pixels, row-major, 8 bits per channel. */
export type RgbPixels = Readonly<{ width: number; height: number; channels: 3 | 4; data: Uint8Array }>;

export type PdqHash = Readonly<{ hex: string; quality: number }>;

/** Images smaller than this on either side hash to all zeros with quality 0, as in the reference. */
const MIN_HASHABLE_DIM = 5;
const DOWNSAMPLED = 64;
const COEFFS = 16;
const JAROSZ_PASSES = 2;

const LUMA_R = f(0.299);
const LUMA_G = f(0.587);
const LUMA_B = f(0.114);

/** Rows 1..16 of the 64-point DCT-II basis (row 0, the DC term, is left out), float32. */
const DCT_MATRIX: Float32Array = (() => {
  const matrix = new Float32Array(COEFFS * DOWNSAMPLED);
  const scale = f(Math.sqrt(2 / DOWNSAMPLED));
  for (let i = 0; i < COEFFS; i += 1) {
    for (let j = 0; j < DOWNSAMPLED; j += 1) {
      matrix[i * DOWNSAMPLED + j] = scale * Math.cos((Math.PI / 2 / DOWNSAMPLED) * (i + 1) * (2 * j + 1));
    }
  }
  return matrix;
})();

export function pdqHash(pixels: RgbPixels): PdqHash {
  const { width, height } = pixels;
  if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) return { hex: '0'.repeat(64), quality: 0 };
  const luma = lumaOf(pixels);
  const small = downsampleTo64(luma, height, width);
  const quality = qualityOf(small);
  const coefficients = dct64To16(small);
  return { hex: bitsToHex(coefficients), quality };
}

function lumaOf({ width, height, channels, data }: RgbPixels): Float32Array {
  const luma = new Float32Array(width * height);
  for (let p = 0, o = 0; p < luma.length; p += 1, o += channels) {
    luma[p] = f(
      f(f(LUMA_R * (data[o] ?? 0)) + f(LUMA_G * (data[o + 1] ?? 0))) + f(LUMA_B * (data[o + 2] ?? 0)),
    );
  }
  return luma;
}

function jaroszWindow(oldDimension: number, newDimension: number): number {
  return Math.trunc((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

function downsampleTo64(luma: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(DOWNSAMPLED * DOWNSAMPLED);
  if (rows === DOWNSAMPLED && cols === DOWNSAMPLED) {
    out.set(luma);
    return out;
  }
  const alongRows = jaroszWindow(cols, DOWNSAMPLED);
  const alongCols = jaroszWindow(rows, DOWNSAMPLED);
  const scratch = new Float32Array(luma.length);
  for (let pass = 0; pass < JAROSZ_PASSES; pass += 1) {
    for (let i = 0; i < rows; i += 1) box1D(luma, scratch, i * cols, cols, 1, alongRows);
    for (let j = 0; j < cols; j += 1) box1D(scratch, luma, j, rows, cols, alongCols);
  }
  for (let outI = 0; outI < DOWNSAMPLED; outI += 1) {
    const inI = Math.trunc(((outI + 0.5) * rows) / DOWNSAMPLED);
    for (let outJ = 0; outJ < DOWNSAMPLED; outJ += 1) {
      const inJ = Math.trunc(((outJ + 0.5) * cols) / DOWNSAMPLED);
      out[outI * DOWNSAMPLED + outJ] = luma[inI * cols + inJ] ?? 0;
    }
  }
  return out;
}

/** A centred running-mean box of `window` samples over one row or column, shrinking at the edges. */
function box1D(
  input: Float32Array,
  output: Float32Array,
  start: number,
  length: number,
  stride: number,
  window: number,
): void {
  const half = Math.trunc((window + 2) / 2);
  const phase1 = half - 1;
  const phase2 = window - half + 1;
  const phase3 = length - window;
  const phase4 = half - 1;
  let li = start;
  let ri = start;
  let oi = start;
  let sum = 0;
  let size = 0;
  for (let i = 0; i < phase1; i += 1) {
    sum = f(sum + (input[ri] ?? 0));
    size += 1;
    ri += stride;
  }
  for (let i = 0; i < phase2; i += 1) {
    sum = f(sum + (input[ri] ?? 0));
    size += 1;
    output[oi] = sum / size;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase3; i += 1) {
    sum = f(sum + (input[ri] ?? 0));
    sum = f(sum - (input[li] ?? 0));
    output[oi] = sum / size;
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < phase4; i += 1) {
    sum = f(sum - (input[li] ?? 0));
    size -= 1;
    output[oi] = sum / size;
    li += stride;
    oi += stride;
  }
}

/** The reference's heuristic: quantised neighbour differences summed, scaled, capped at 100. */
function qualityOf(buffer: Float32Array): number {
  let gradientSum = 0;
  const step = (u: number, v: number): number => Math.abs(Math.trunc(f(f(f(u - v) * 100) / 255)));
  for (let i = 0; i < DOWNSAMPLED - 1; i += 1) {
    for (let j = 0; j < DOWNSAMPLED; j += 1) {
      gradientSum += step(buffer[i * DOWNSAMPLED + j] ?? 0, buffer[(i + 1) * DOWNSAMPLED + j] ?? 0);
    }
  }
  for (let i = 0; i < DOWNSAMPLED; i += 1) {
    for (let j = 0; j < DOWNSAMPLED - 1; j += 1) {
      gradientSum += step(buffer[i * DOWNSAMPLED + j] ?? 0, buffer[i * DOWNSAMPLED + j + 1] ?? 0);
    }
  }
  return Math.min(100, Math.trunc(gradientSum / 90));
}

/** B = D·A·Dᵀ with D the 16×64 basis: only the coefficients the hash uses are computed. */
function dct64To16(a: Float32Array): Float32Array {
  const t = new Float32Array(COEFFS * DOWNSAMPLED);
  for (let i = 0; i < COEFFS; i += 1) {
    for (let j = 0; j < DOWNSAMPLED; j += 1) {
      let sum = 0;
      for (let k = 0; k < DOWNSAMPLED; k += 1) {
        sum = f(sum + f((DCT_MATRIX[i * DOWNSAMPLED + k] ?? 0) * (a[k * DOWNSAMPLED + j] ?? 0)));
      }
      t[i * DOWNSAMPLED + j] = sum;
    }
  }
  const b = new Float32Array(COEFFS * COEFFS);
  for (let i = 0; i < COEFFS; i += 1) {
    for (let j = 0; j < COEFFS; j += 1) {
      let sum = 0;
      for (let k = 0; k < DOWNSAMPLED; k += 1) {
        sum = f(sum + f((t[i * DOWNSAMPLED + k] ?? 0) * (DCT_MATRIX[j * DOWNSAMPLED + k] ?? 0)));
      }
      b[i * COEFFS + j] = sum;
    }
  }
  return b;
}

/** Torben's median (no sorting, no copy), as the reference picks it for an even count. */
function torbenMedian(m: Float32Array): number {
  const n = m.length;
  let min = m[0] ?? 0;
  let max = min;
  for (const value of m) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const half = Math.trunc((n + 1) / 2);
  for (;;) {
    const guess = f((min + max) / 2);
    let less = 0;
    let greater = 0;
    let equal = 0;
    let maxLtGuess = min;
    let minGtGuess = max;
    for (const value of m) {
      if (value < guess) {
        less += 1;
        if (value > maxLtGuess) maxLtGuess = value;
      } else if (value > guess) {
        greater += 1;
        if (value < minGtGuess) minGtGuess = value;
      } else equal += 1;
    }
    if (less <= half && greater <= half) {
      if (less >= half) return maxLtGuess;
      if (less + equal >= half) return guess;
      return minGtGuess;
    }
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
}

function bitsToHex(coefficients: Float32Array): string {
  const median = torbenMedian(coefficients);
  const words = new Uint16Array(COEFFS);
  for (let k = 0; k < coefficients.length; k += 1) {
    if ((coefficients[k] ?? 0) > median) words[k >> 4] = (words[k >> 4] ?? 0) | (1 << (k & 15));
  }
  let hex = '';
  for (let w = COEFFS - 1; w >= 0; w -= 1) hex += (words[w] ?? 0).toString(16).padStart(4, '0');
  return hex;
}

/** A PDQ hash in hex is exactly 64 hex digits. */
export const PDQ_HEX = /^[0-9a-f]{64}$/;

/** The hash as eight 32-bit words (for the matcher's packed scans). */
export function pdqWords(hex: string): Uint32Array {
  if (!PDQ_HEX.test(hex)) throw new Error('a PDQ hash is 64 hex digits');
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i += 1) words[i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0;
  return words;
}

export function popcount32(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Number of differing bits of two PDQ hashes (0–256). */
export function pdqDistance(a: string, b: string): number {
  const wa = pdqWords(a.toLowerCase());
  const wb = pdqWords(b.toLowerCase());
  let distance = 0;
  for (let i = 0; i < 8; i += 1) distance += popcount32((wa[i] ?? 0) ^ (wb[i] ?? 0));
  return distance;
}
