import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { X509Certificate } from 'node:crypto';
import type { Browser } from 'puppeteer-core';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFString,
  ParseSpeeds,
  beginMarkedContent,
  clip,
  concatTransformationMatrix,
  drawObject,
  endMarkedContent,
  endPath,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
} from '@cantoo/pdf-lib';
import type { PDFPage, PDFRef } from '@cantoo/pdf-lib';
import { AppError, errorMessage, isAppError } from '@shared/errors/app-error';
import { canonicalJson } from '../custody/canonical-json';
import type { PacketModel, ParsedPacketModel } from './packet-model';
import { PacketModel as PacketModelSchema } from './packet-model';
import type { FontFiles, ShotSlice, SignerSummary } from './packet-html';
import { BOX_URL_PREFIX, buildPacketHtml, buildStampHtml, fontFaceCss, planSlices } from './packet-html';
import { packetLabels } from './packet-i18n';
import type { PdfSigner } from './pades-signer';
import { pemBlocks, signPdf } from './pades-signer';

export type RenderPacketOptions = Readonly<{
  model: PacketModel;
  /** puppeteer-core browser; the caller owns it (launch and close). */
  browser: Browser;
  workDir: string;
  clock: () => Date;
  /** Original files attached to the PDF next to the decision record and manifests (default: both). */
  attachOriginals?: Readonly<{ screenshots: boolean; wacz: boolean }>;
  signer?: PdfSigner;
  /** Folder with the shipped fonts; found next to the application when omitted. */
  fontsDir?: string;
}>;

export type RenderedPacket = Readonly<{ file: string; pages: number; sha256: string }>;

const FONT_FILES = {
  sansRegular: 'NotoSans-Regular.ttf',
  sansBold: 'NotoSans-Bold.ttf',
  naskhRegular: 'NotoNaskhArabic-Regular.ttf',
  naskhBold: 'NotoNaskhArabic-Bold.ttf',
  mono: 'NotoSansMono-Regular.ttf',
} as const satisfies Record<keyof FontFiles, string>;

/** Looks for resources/fonts above this module (source tree, bundled out/, packaged app resources). */
export function findFontsDir(explicit?: string): string {
  const candidates: string[] = [];
  if (explicit !== undefined) candidates.push(explicit);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, 'resources', 'fonts'));
    dir = dirname(dir);
  }
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath !== undefined) candidates.push(join(resourcesPath, 'fonts'));
  candidates.push(resolve('resources', 'fonts'));
  const found = candidates.find((c) => existsSync(join(c, FONT_FILES.sansRegular)));
  if (found === undefined) {
    throw new AppError('env.tool-missing', 'packet fonts not found (resources/fonts)', { candidates });
  }
  return found;
}

async function loadFonts(dir: string): Promise<FontFiles> {
  const read = (name: string) => readFile(join(dir, name));
  const [sansRegular, sansBold, naskhRegular, naskhBold, mono] = await Promise.all([
    read(FONT_FILES.sansRegular),
    read(FONT_FILES.sansBold),
    read(FONT_FILES.naskhRegular),
    read(FONT_FILES.naskhBold),
    read(FONT_FILES.mono),
  ]);
  return { sansRegular, sansBold, naskhRegular, naskhBold, mono };
}

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

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

type LoadedShot = Readonly<{ bytes: Buffer; png: PngInfo }>;

/** Every file the packet shows or attaches is re-hashed against the capture record it came from. */
function checkAgainstRecord(model: ParsedPacketModel, path: string, bytes: Buffer): void {
  const hash = sha256Hex(bytes);
  for (const capture of model.captures) {
    for (const artifact of capture.artifacts) {
      if (artifact.path === path && artifact.sha256 !== hash) {
        throw new AppError(
          'evidence.integrity-mismatch',
          `${artifact.name} does not match its recorded SHA-256`,
          {
            captureId: capture.id,
            artifact: artifact.name,
            expected: artifact.sha256,
            actual: hash,
          },
        );
      }
    }
  }
}

async function readEvidence(model: ParsedPacketModel, path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new AppError('evidence.not-found', `evidence file missing: ${path}`, { cause: String(cause) });
  }
  checkAgainstRecord(model, path, bytes);
  return bytes;
}

async function printHtml(browser: Browser, html: string, tagged: boolean): Promise<Buffer> {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    // The packet is static: everything it needs is inline, so any request is a leak or a bug.
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith('data:')) void request.continue();
      else void request.abort('blockedbyclient');
    });
    await page.setContent(html, { waitUntil: 'load' });
    // A string, not a function: this module is compiled without DOM types.
    await page.evaluate('document.fonts.ready.then(() => true)');
    const pdf = await page.pdf({
      preferCSSPageSize: true,
      printBackground: true,
      tagged,
      outline: tagged,
      timeout: 120_000,
    });
    return Buffer.from(pdf);
  } finally {
    await context.close();
  }
}

type ImageRef = Readonly<{ ref: PDFRef; width: number; height: number }>;

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

type BoxHit = Readonly<{ page: PDFPage; rect: readonly [number, number, number, number] }>;

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

/** Chromium's page content leaves its CTM set; wrap it in q/Q so later drawing starts from identity. */
function isolatePageContent(doc: PDFDocument, page: PDFPage): void {
  const start = doc.context.register(doc.context.stream('q\n'));
  const end = doc.context.register(doc.context.stream('\nQ\n'));
  page.node.wrapContentStreams(start, end);
}

type Attachment = Readonly<{
  name: string;
  bytes: Uint8Array;
  mediaType: string;
  description: string;
  relationship: 'Data' | 'Source' | 'Supplement';
}>;

/**
 * Embedded files written as they are (no filter): PNG and WACZ are compressed already and pdf-lib's
 * own attach() would deflate megabytes in JavaScript. Registered in the EmbeddedFiles name tree and
 * in the catalog's /AF (PDF/A-3 associated files) with their relationship.
 */
function attachFiles(doc: PDFDocument, files: readonly Attachment[], when: Date): void {
  const ctx = doc.context;
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names: (PDFString | PDFRef)[] = [];
  const af: PDFRef[] = [];
  for (const file of sorted) {
    const stream = ctx.stream(file.bytes, {
      Type: 'EmbeddedFile',
      Subtype: file.mediaType,
      Params: {
        Size: file.bytes.length,
        CreationDate: PDFString.fromDate(when),
        ModDate: PDFString.fromDate(when),
        CheckSum: PDFHexString.of(createHash('md5').update(file.bytes).digest('hex')),
      },
    });
    const streamRef = ctx.register(stream);
    const spec = ctx.obj({
      Type: 'Filespec',
      F: PDFString.of(file.name),
      UF: PDFHexString.fromText(file.name),
      EF: { F: streamRef, UF: streamRef },
      Desc: PDFHexString.fromText(file.description),
      AFRelationship: file.relationship,
    });
    const specRef = ctx.register(spec);
    names.push(PDFString.of(file.name), specRef);
    af.push(specRef);
  }
  const catalog = doc.catalog;
  let nameDict = catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  if (nameDict === undefined) {
    nameDict = ctx.obj({});
    catalog.set(PDFName.of('Names'), nameDict);
  }
  nameDict.set(PDFName.of('EmbeddedFiles'), ctx.obj({ Names: names }));
  catalog.set(PDFName.of('AF'), ctx.obj(af));
  catalog.set(PDFName.of('PageMode'), PDFName.of('UseOutlines'));
}

/** Attachment names are ASCII and unique: ids are, labels are reduced to a safe slug. */
const slug = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'file';

async function collectAttachments(
  model: ParsedPacketModel,
  /** The decision exactly as the caller passed it: parsing may drop or default members it signed. */
  rawDecision: unknown,
  shots: ReadonlyMap<string, LoadedShot>,
  originals: Readonly<{ screenshots: boolean; wacz: boolean }>,
): Promise<Attachment[]> {
  const files: Attachment[] = [];
  if (model.decision !== null) {
    files.push({
      name: `decision-${model.decision.id}.json`,
      // The canonical JSON the reviewer signed (plus `signature`), so it verifies as attached.
      bytes: Buffer.from(canonicalJson(rawDecision), 'utf8'),
      mediaType: 'application/json',
      description: 'Signed decision record (canonical JSON); the text of record of the decision',
      relationship: 'Source',
    });
  }
  for (const capture of model.captures) {
    for (const artifact of capture.artifacts) {
      const wanted = artifact.kind === 'manifest' || (artifact.kind === 'wacz' && originals.wacz);
      if (!wanted) continue;
      const bytes = await readEvidence(model, artifact.path);
      files.push({
        name: `${capture.id}-${slug(artifact.name)}`,
        bytes,
        mediaType: artifact.mediaType,
        description:
          artifact.kind === 'manifest'
            ? `Capture manifest of ${capture.id} (SHA-256 ${artifact.sha256})`
            : `Web archive of ${capture.id} (SHA-256 ${artifact.sha256})`,
        relationship: artifact.kind === 'manifest' ? 'Data' : 'Supplement',
      });
    }
    if (originals.screenshots) {
      capture.screenshots.forEach((shot, i) => {
        const loaded = shots.get(shot.file);
        if (loaded === undefined) return;
        files.push({
          name: `${capture.id}-screenshot-${i + 1}-${slug(shot.label)}.png`,
          bytes: loaded.bytes,
          mediaType: 'image/png',
          description: `Original screenshot "${shot.label}" of ${capture.id} (SHA-256 ${sha256Hex(loaded.bytes)})`,
          relationship: 'Source',
        });
      });
    }
  }
  return files;
}

function signerSummary(signer: PdfSigner | undefined): SignerSummary | null {
  if (signer === undefined) return null;
  const der = pemBlocks(signer.certificatePem)[0];
  if (der === undefined) throw new AppError('input.invalid', 'no certificate in certificatePem');
  const cert = new X509Certificate(der);
  return { subject: cert.subject.replaceAll('\n', ', '), fingerprintSha256: cert.fingerprint256 };
}

/**
 * Renders the review packet (DESIGN §7): HTML laid out and printed by Chromium (shaping, bidi, tagged
 * PDF, outline), then pdf-lib draws the original screenshots into their boxes, stamps page and Bates
 * numbers, writes metadata and attachments, and the reviewer's PAdES signature is added last.
 */
export async function renderPacket(opts: RenderPacketOptions): Promise<RenderedPacket> {
  const parsed = PacketModelSchema.safeParse(opts.model);
  if (!parsed.success) {
    throw new AppError('input.invalid', 'invalid packet model', { issues: parsed.error.issues });
  }
  const model = parsed.data;
  const originals = opts.attachOriginals ?? { screenshots: true, wacz: true };
  const generatedAt = opts.clock();
  const labels = packetLabels(model.language);
  try {
    const fonts = await loadFonts(findFontsDir(opts.fontsDir));
    const fontCss = fontFaceCss(fonts);

    const shots = new Map<string, LoadedShot>();
    for (const capture of model.captures) {
      for (const shot of capture.screenshots) {
        if (shots.has(shot.file)) continue;
        const bytes = await readEvidence(model, shot.file);
        const png = parsePng(bytes);
        if (png.width !== shot.width || png.height !== shot.height) {
          throw new AppError(
            'input.invalid',
            `screenshot ${shot.file} is ${png.width}×${png.height}, not as recorded`,
          );
        }
        shots.set(shot.file, { bytes, png });
      }
    }

    const slices = planSlices(model);
    const signer = signerSummary(opts.signer);
    const html = buildPacketHtml({ model, slices, fontCss, generatedAt, signer });
    const printed = await printHtml(opts.browser, html, true);

    // Parse and write without yielding every few objects: pdf-lib's default pacing triples the time.
    const doc = await PDFDocument.load(printed, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
    const pages = doc.getPages();
    const stampPdf = await printHtml(
      opts.browser,
      buildStampHtml({ model, pages: pages.length, fontCss }),
      false,
    );
    const stampDoc = await PDFDocument.load(stampPdf, {
      updateMetadata: false,
      parseSpeed: ParseSpeeds.Fastest,
    });
    const stamps = await doc.embedPdf(
      stampDoc,
      pages.map((_, i) => i),
    );
    if (stamps.length !== pages.length) {
      throw new AppError(
        'packet.render-failed',
        `stamp layer has ${stamps.length} pages for ${pages.length}`,
      );
    }
    pages.forEach((page) => isolatePageContent(doc, page));

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

    pages.forEach((page, i) => {
      const stamp = stamps[i];
      if (stamp === undefined) return;
      // Page furniture, not content: marked as an artifact for assistive technology (PDF/UA).
      page.pushOperators(beginMarkedContent('Artifact'));
      page.drawPage(stamp, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
      page.pushOperators(endMarkedContent());
    });

    const decision = model.decision;
    doc.setTitle(`${labels.title} — ${model.caseRef}`, { showInWindowTitleBar: true });
    doc.setAuthor(decision === null ? 'Vigil' : decision.reviewer.displayName);
    doc.setSubject(`${model.resource.punycodeUrl}`);
    doc.setKeywords([
      model.caseRef,
      model.resource.id,
      ...model.captures.map((c) => c.id),
      ...(decision === null ? ['DRAFT'] : [decision.id]),
    ]);
    doc.setCreator('Vigil');
    doc.setProducer('Vigil (Chromium print, pdf-lib)');
    doc.setLanguage(model.language);
    doc.setCreationDate(generatedAt);
    doc.setModificationDate(generatedAt);
    attachFiles(doc, await collectAttachments(model, opts.model.decision, shots, originals), generatedAt);

    let bytes: Buffer = Buffer.from(
      await doc.save({ useObjectStreams: false, updateFieldAppearances: false, objectsPerTick: Infinity }),
    );
    if (opts.signer !== undefined) {
      bytes = await signPdf(bytes, opts.signer, {
        clock: opts.clock,
        reason: `${labels.title} — ${model.caseRef}`,
        ...(decision === null ? {} : { name: decision.reviewer.displayName }),
      });
    }

    await mkdir(opts.workDir, { recursive: true });
    const file = join(opts.workDir, `packet-${model.resource.id}.pdf`);
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, bytes);
    await rename(temp, file);
    return { file, pages: pages.length, sha256: sha256Hex(bytes) };
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('packet.render-failed', errorMessage(error));
  }
}
