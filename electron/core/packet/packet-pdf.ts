import { PDFDocument, ParseSpeeds, beginMarkedContent, endMarkedContent } from '@cantoo/pdf-lib';
import type { PDFEmbeddedPage, PDFPage } from '@cantoo/pdf-lib';
import { AppError } from '@shared/errors/app-error';
import type { ParsedPacketModel } from './packet-model';
import { packetLabels } from './packet-i18n';
import { applyPdfA3 } from './packet-pdfa';

/** pdf-lib work on the printed packet: the stamp layer, page isolation, metadata, saving. */

/** Parse and write without yielding every few objects: pdf-lib's default pacing triples the time. */
export function loadPrintedPdf(printed: Buffer): Promise<PDFDocument> {
  return PDFDocument.load(printed, { updateMetadata: false, parseSpeed: ParseSpeeds.Fastest });
}

/** The separately printed stamp layer (page and Bates numbers), one embedded page per packet page. */
export async function embedStampLayer(
  doc: PDFDocument,
  pages: readonly PDFPage[],
  stampPdf: Buffer,
): Promise<PDFEmbeddedPage[]> {
  const stampDoc = await loadPrintedPdf(stampPdf);
  const stamps = await doc.embedPdf(
    stampDoc,
    pages.map((_, i) => i),
  );
  if (stamps.length !== pages.length) {
    throw new AppError('packet.render-failed', `stamp layer has ${stamps.length} pages for ${pages.length}`);
  }
  return stamps;
}

/** Chromium's page content leaves its CTM set; wrap it in q/Q so later drawing starts from identity. */
export function isolatePageContent(doc: PDFDocument, page: PDFPage): void {
  const start = doc.context.register(doc.context.stream('q\n'));
  const end = doc.context.register(doc.context.stream('\nQ\n'));
  page.node.wrapContentStreams(start, end);
}

export function drawStamps(pages: readonly PDFPage[], stamps: readonly PDFEmbeddedPage[]): void {
  pages.forEach((page, i) => {
    const stamp = stamps[i];
    if (stamp === undefined) return;
    // Page furniture, not content: marked as an artifact for assistive technology (PDF/UA).
    page.pushOperators(beginMarkedContent('Artifact'));
    page.drawPage(stamp, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
    page.pushOperators(endMarkedContent());
  });
}

export function setPacketMetadata(doc: PDFDocument, model: ParsedPacketModel, generatedAt: Date): void {
  const labels = packetLabels(model.language);
  const decision = model.decision;
  const info = {
    title: `${labels.title} — ${model.caseRef}`,
    author: decision === null ? 'Vigil' : decision.reviewer.displayName,
    subject: `${model.resource.punycodeUrl}`,
    keywords: [
      model.caseRef,
      model.resource.id,
      ...model.captures.map((c) => c.id),
      ...(decision === null ? ['DRAFT'] : [decision.id]),
      ...(decision !== null && model.copy ? ['COPY-NOT-SIGNED'] : []),
    ],
    creator: 'Vigil',
    producer: 'Vigil (Chromium print, pdf-lib)',
    language: model.language,
    // PDF dates hold whole seconds; the XMP copy must say the same.
    date: new Date(Math.floor(generatedAt.getTime() / 1000) * 1000),
  };
  doc.setTitle(info.title, { showInWindowTitleBar: true });
  doc.setAuthor(info.author);
  doc.setSubject(info.subject);
  doc.setKeywords([...info.keywords]);
  doc.setCreator(info.creator);
  doc.setProducer(info.producer);
  doc.setLanguage(info.language);
  doc.setCreationDate(info.date);
  doc.setModificationDate(info.date);
  applyPdfA3(doc, info);
}

export async function savePdf(doc: PDFDocument): Promise<Buffer> {
  return Buffer.from(
    await doc.save({ useObjectStreams: false, updateFieldAppearances: false, objectsPerTick: Infinity }),
  );
}
