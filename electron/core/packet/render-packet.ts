import { X509Certificate } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { AppError, errorMessage, isAppError } from '@shared/errors/app-error';
import { attachFiles, collectAttachments, type AttachOriginals } from './packet-attachments';
import { loadScreenshots, sha256Hex } from './packet-evidence';
import { findFontsDir, loadFonts } from './packet-fonts';
import type { SignerSummary } from './packet-html';
import { buildPacketHtml, fontFaceCss, planSlices } from './packet-html';
import { buildStampHtml } from './packet-stamp-html';
import { packetLabels } from './packet-i18n';
import type { PacketModel, ParsedPacketModel } from './packet-model';
import { PacketModel as PacketModelSchema } from './packet-model';
import {
  drawStamps,
  embedStampLayer,
  isolatePageContent,
  loadPrintedPdf,
  savePdf,
  setPacketMetadata,
} from './packet-pdf';
import { printHtml } from './packet-print';
import { drawScreenshots } from './packet-screenshots';
import type { PdfSigner } from './pades-signer';
import { pemBlocks, signPdf } from './pades-signer';

export type RenderPacketOptions = Readonly<{
  model: PacketModel;
  /** puppeteer-core browser; the caller owns it (launch and close). */
  browser: Browser;
  workDir: string;
  clock: () => Date;
  /** Original files attached to the PDF next to the decision record and manifests (default: both). */
  attachOriginals?: AttachOriginals;
  signer?: PdfSigner;
  /** Folder with the shipped fonts; found next to the application when omitted. */
  fontsDir?: string;
}>;

export type RenderedPacket = Readonly<{ file: string; pages: number; sha256: string }>;

/**
 * Renders the review packet (DESIGN §7): HTML laid out and printed by Chromium (shaping, bidi, tagged
 * PDF, outline), then pdf-lib draws the original screenshots into their boxes, stamps page and Bates
 * numbers, writes metadata and attachments, and the reviewer's PAdES signature is added last.
 */
export async function renderPacket(opts: RenderPacketOptions): Promise<RenderedPacket> {
  const model = parsePacketModel(opts.model);
  const originals = opts.attachOriginals ?? { screenshots: true, wacz: true };
  const generatedAt = opts.clock();
  try {
    // Layout: fonts, the checked screenshots, and the HTML with a box per screenshot slice.
    const fontCss = fontFaceCss(await loadFonts(findFontsDir(opts.fontsDir)));
    const shots = await loadScreenshots(model);
    const slices = planSlices(model);
    const signer = signerSummary(opts.signer);
    const html = buildPacketHtml({ model, slices, fontCss, generatedAt, signer });

    // Print: the content, then the stamp layer sized to the page count the content came to.
    const doc = await loadPrintedPdf(await printHtml(opts.browser, html, true));
    const pages = doc.getPages();
    const stampHtml = buildStampHtml({ model, pages: pages.length, fontCss });
    const stamps = await embedStampLayer(doc, pages, await printHtml(opts.browser, stampHtml, false));

    // Post-process: screenshots into their boxes, stamps over every page, metadata and attachments.
    pages.forEach((page) => isolatePageContent(doc, page));
    await drawScreenshots(doc, model, slices, shots);
    drawStamps(pages, stamps);
    setPacketMetadata(doc, model, generatedAt);
    attachFiles(doc, await collectAttachments(model, opts.model.decision, shots, originals), generatedAt);

    const bytes = await signIfAsked(await savePdf(doc), model, opts);
    const file = await writePacketFile(opts.workDir, model, bytes);
    return { file, pages: pages.length, sha256: sha256Hex(bytes) };
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError('packet.render-failed', errorMessage(error));
  }
}

function parsePacketModel(input: PacketModel): ParsedPacketModel {
  const parsed = PacketModelSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('input.invalid', 'invalid packet model', { issues: parsed.error.issues });
  }
  return parsed.data;
}

function signerSummary(signer: PdfSigner | undefined): SignerSummary | null {
  if (signer === undefined) return null;
  const der = pemBlocks(signer.certificatePem)[0];
  if (der === undefined) throw new AppError('input.invalid', 'no certificate in certificatePem');
  const cert = new X509Certificate(der);
  return { subject: cert.subject.replaceAll('\n', ', '), fingerprintSha256: cert.fingerprint256 };
}

/** The reviewer's PAdES signature, added last: any later change to the bytes would break it. */
async function signIfAsked(
  bytes: Buffer,
  model: ParsedPacketModel,
  opts: RenderPacketOptions,
): Promise<Buffer> {
  if (opts.signer === undefined) return bytes;
  const decision = model.decision;
  return signPdf(bytes, opts.signer, {
    clock: opts.clock,
    reason: `${packetLabels(model.language).title} — ${model.caseRef}`,
    ...(decision === null ? {} : { name: decision.reviewer.displayName }),
  });
}

/** Written beside its final name and renamed, so a reader never sees half a packet. */
async function writePacketFile(workDir: string, model: ParsedPacketModel, bytes: Buffer): Promise<string> {
  await mkdir(workDir, { recursive: true });
  const file = join(workDir, `packet-${model.resource.id}.pdf`);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, file);
  return file;
}
