import { createHash } from 'node:crypto';
import { PDFArray, PDFHexString, PDFName } from '@cantoo/pdf-lib';
import type { PDFDocument } from '@cantoo/pdf-lib';
import { srgbIccProfile } from './srgb-icc';

/**
 * PDF/A-3b (ISO 19005-3) for the review packet, so a court archive can keep and render it for decades:
 * an XMP metadata stream that declares part 3, conformance B and repeats the document information
 * (§6.6.2.1: Info and XMP must agree), an sRGB OutputIntent (§6.2.3) that fixes the meaning of every
 * DeviceRGB colour and of Chromium's transparency groups, and a file identifier (§6.1.3). Fonts are
 * the shipped, embedded ones; attachments carry AFRelationship and are listed in /AF (see
 * packet-attachments); nothing is encrypted. A full check is veraPDF's (README).
 */

export type PdfAInfo = Readonly<{
  title: string;
  author: string;
  subject: string;
  keywords: readonly string[];
  creator: string;
  producer: string;
  language: string;
  date: Date;
}>;

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** XMP dates are ISO 8601; whole seconds, as the Info dictionary's PDF date holds them. */
const xmpDate = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

export function xmpPacket(info: PdfAInfo): string {
  const date = xmpDate(info.date);
  const alt = (v: string) => `<rdf:Alt><rdf:li xml:lang="x-default">${xml(v)}</rdf:li></rdf:Alt>`;
  return [
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>',
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
    '<rdf:Description rdf:about=""',
    ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"',
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"',
    ' xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
    ' xmlns:pdf="http://ns.adobe.com/pdf/1.3/">',
    '<pdfaid:part>3</pdfaid:part>',
    '<pdfaid:conformance>B</pdfaid:conformance>',
    '<dc:format>application/pdf</dc:format>',
    `<dc:title>${alt(info.title)}</dc:title>`,
    `<dc:creator><rdf:Seq><rdf:li>${xml(info.author)}</rdf:li></rdf:Seq></dc:creator>`,
    `<dc:description>${alt(info.subject)}</dc:description>`,
    `<dc:language><rdf:Bag><rdf:li>${xml(info.language)}</rdf:li></rdf:Bag></dc:language>`,
    `<pdf:Keywords>${xml(info.keywords.join(' '))}</pdf:Keywords>`,
    `<pdf:Producer>${xml(info.producer)}</pdf:Producer>`,
    `<xmp:CreatorTool>${xml(info.creator)}</xmp:CreatorTool>`,
    `<xmp:CreateDate>${date}</xmp:CreateDate>`,
    `<xmp:ModifyDate>${date}</xmp:ModifyDate>`,
    `<xmp:MetadataDate>${date}</xmp:MetadataDate>`,
    '</rdf:Description>',
    '</rdf:RDF>',
    '</x:xmpmeta>',
    '<?xpacket end="w"?>',
  ].join('\n');
}

export function applyPdfA3(doc: PDFDocument, info: PdfAInfo): void {
  const ctx = doc.context;
  const catalog = doc.catalog;
  // Unfiltered, so that any reader (and qpdf --json) sees the declaration as it is.
  const metadata = ctx.stream(Buffer.from(xmpPacket(info), 'utf8'), { Type: 'Metadata', Subtype: 'XML' });
  catalog.set(PDFName.of('Metadata'), ctx.register(metadata));

  const profile = ctx.flateStream(srgbIccProfile(), { N: 3 });
  const intent = ctx.obj({
    Type: 'OutputIntent',
    S: 'GTS_PDFA1',
    OutputConditionIdentifier: PDFHexString.fromText('sRGB IEC61966-2.1'),
    Info: PDFHexString.fromText('sRGB IEC61966-2.1'),
    RegistryName: PDFHexString.fromText('http://www.color.org'),
    DestOutputProfile: ctx.register(profile),
  });
  catalog.set(PDFName.of('OutputIntents'), ctx.obj([ctx.register(intent)]));

  if (!(ctx.trailerInfo.ID instanceof PDFArray)) {
    // A stable identifier from what the packet is: the same packet rendered twice gets the same ID.
    const id = createHash('sha256')
      .update(`${info.title}\n${info.subject}\n${info.keywords.join(' ')}\n${xmpDate(info.date)}`)
      .digest('hex')
      .slice(0, 32);
    ctx.trailerInfo.ID = ctx.obj([PDFHexString.of(id), PDFHexString.of(id)]);
  }
}
