import {
  PDFArray,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFString,
  clip,
  concatTransformationMatrix,
  drawObject,
  endPath,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
} from '@cantoo/pdf-lib';
import type { PDFDocument, PDFPage, PDFRef } from '@cantoo/pdf-lib';
import { AppError } from '@shared/errors/app-error';
import type { LoadedShot } from './packet-evidence';
import { BOX_URL_PREFIX, type ShotSlice } from './packet-html';
import type { ParsedPacketModel } from './packet-model';

/**
 * Chromium lays out an empty box per screenshot slice, marked by a placeholder link; here the stored
 * PNG is drawn into each box, clipped to its slice, so the pixels in the PDF are the captured ones.
 */

type ImageRef = Readonly<{ ref: PDFRef; width: number; height: number }>;

type BoxHit = Readonly<{ page: PDFPage; rect: readonly [number, number, number, number] }>;

/** Draws every slice into the one box laid out for it; a box missing or repeated is a render failure. */
export async function drawScreenshots(
  doc: PDFDocument,
  model: ParsedPacketModel,
  slices: readonly ShotSlice[],
  shots: ReadonlyMap<string, LoadedShot>,
): Promise<void> {
  const boxes = takeBoxes(doc);
  const images = new Map<string, ImageRef>();
  for (const slice of slices) {
    const capture = model.captures[slice.captureIndex];
    const shot = capture?.screenshots[slice.shotIndex];
    const loaded = shot === undefined ? undefined : shots.get(shot.file);
    const hits = boxes.get(slice.index) ?? [];
    const hit = hits[0];
    if (shot === undefined || loaded === undefined || hit === undefined || hits.length !== 1) {
      throw new AppError(
        'packet.render-failed',
        `screenshot box ${slice.index} was laid out ${hits.length} times`,
      );
    }
    let image = images.get(shot.file);
    if (image === undefined) {
      image = await embedScreenshot(doc, loaded);
      images.set(shot.file, image);
    }
    const name = hit.page.node.newXObject('Shot', image.ref);
    drawSlice(hit.page, image, slice, hit, name);
  }
}

/**
 * PNG IDAT data is a zlib stream of PNG-filtered rows, which is exactly a PDF FlateDecode stream with
 * PNG predictors: the stored bytes go into the PDF unchanged, no decoding or re-encoding. Only
 * images PDF can't express that way (alpha, palette, interlace) are decoded by pdf-lib, losslessly.
 */
async function embedScreenshot(doc: PDFDocument, shot: LoadedShot): Promise<ImageRef> {
  const { png } = shot;
  const direct =
    png.interlace === 0 &&
    !png.hasTransparency &&
    (png.colorType === 2 || png.colorType === 0) &&
    (png.bitDepth === 8 || png.bitDepth === 16);
  if (direct) {
    const colors = png.colorType === 2 ? 3 : 1;
    const stream = doc.context.stream(png.idat, {
      Type: 'XObject',
      Subtype: 'Image',
      Width: png.width,
      Height: png.height,
      ColorSpace: colors === 3 ? 'DeviceRGB' : 'DeviceGray',
      BitsPerComponent: png.bitDepth,
      Filter: 'FlateDecode',
      DecodeParms: { Predictor: 15, Colors: colors, BitsPerComponent: png.bitDepth, Columns: png.width },
    });
    return { ref: doc.context.register(stream), width: png.width, height: png.height };
  }
  const image = await doc.embedPng(shot.bytes);
  return { ref: image.ref, width: image.width, height: image.height };
}

/** Finds (and removes) the placeholder link annotations that mark the screenshot boxes. */
function takeBoxes(doc: PDFDocument): Map<number, BoxHit[]> {
  const boxes = new Map<number, BoxHit[]>();
  for (const page of doc.getPages()) {
    const annots = page.node.Annots();
    if (annots === undefined) continue;
    for (let i = annots.size() - 1; i >= 0; i--) {
      const annot = annots.lookupMaybe(i, PDFDict);
      const action = annot?.lookupMaybe(PDFName.of('A'), PDFDict);
      const uri = action?.lookupMaybe(PDFName.of('URI'), PDFString, PDFHexString);
      const text = uri?.decodeText();
      if (annot === undefined || text === undefined || !text.startsWith(BOX_URL_PREFIX)) continue;
      const index = Number(text.slice(BOX_URL_PREFIX.length));
      const rectArray = annot.lookupMaybe(PDFName.of('Rect'), PDFArray);
      const nums = (rectArray?.asArray() ?? []).map((n) => (n instanceof PDFNumber ? n.asNumber() : NaN));
      const [a = NaN, b = NaN, c = NaN, d = NaN] = nums;
      const rect = [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)] as const;
      boxes.set(index, [...(boxes.get(index) ?? []), { page, rect }]);
      annots.remove(i);
    }
  }
  return boxes;
}

function drawSlice(page: PDFPage, image: ImageRef, slice: ShotSlice, hit: BoxHit, imageName: PDFName): void {
  const [x1, y1, x2, y2] = hit.rect;
  const scale = (x2 - x1) / image.width;
  const y = y2 - (image.height - slice.top) * scale;
  page.pushOperators(
    pushGraphicsState(),
    rectangle(x1, y1, x2 - x1, y2 - y1),
    clip(),
    endPath(),
    concatTransformationMatrix(image.width * scale, 0, 0, image.height * scale, x1, y),
    drawObject(imageName),
    popGraphicsState(),
  );
}
