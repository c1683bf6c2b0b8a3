import { AppError } from '@shared/errors/app-error';

/** Just enough of PNG (ISO/IEC 15948) to put a stored screenshot into a PDF without re-encoding it. */

export type PngInfo = Readonly<{
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
  /** Concatenated IDAT payloads: one zlib stream of filtered scanlines (PNG §10). */
  idat: Buffer;
  hasTransparency: boolean;
}>;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function parsePng(bytes: Buffer): PngInfo {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new AppError('input.invalid', 'screenshot is not a PNG file');
  }
  const idat: Buffer[] = [];
  let header: {
    width: number;
    height: number;
    bitDepth: number;
    colorType: number;
    interlace: number;
  } | null = null;
  let hasTransparency = false;
  let at = 8;
  while (at + 12 <= bytes.length) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      header = {
        width: data.readUInt32BE(0),
        height: data.readUInt32BE(4),
        bitDepth: data.readUInt8(8),
        colorType: data.readUInt8(9),
        interlace: data.readUInt8(12),
      };
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'tRNS') {
      hasTransparency = true;
    } else if (type === 'IEND') {
      break;
    }
    at += 12 + length;
  }
  if (header === null || idat.length === 0) throw new AppError('input.invalid', 'PNG without IHDR or IDAT');
  return { ...header, idat: Buffer.concat(idat), hasTransparency };
}
