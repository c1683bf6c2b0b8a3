import { PDFDict, PDFName, PDFNumber } from '@cantoo/pdf-lib';
import type { PDFDocument } from '@cantoo/pdf-lib';

/**
 * PAdES B-LT validation data (ETSI EN 319 142-1 §5.4, ISO 32000-2 §12.8.4.3): a Document Security
 * Store with every certificate a verifier needs to build the signer's path (the signer, its CA) and
 * the time-stamp authority's, and the CA's current CRL, so the packet can be checked after the CA or
 * the TSA is gone, without asking anyone.
 *
 * It is written into the revision the reviewer signs, not appended after it: the signature then
 * covers its own validation data, and `pdfsig` still reports the whole document signed (an update
 * appended after the signature, although PAdES allows it, makes every reader report a partially
 * signed file). Per-signature VRI entries need the signature's hash and so cannot be written before
 * it; verifiers search the DSS without them.
 */
export type ValidationData = Readonly<{
  /** DER certificates: the signer's, its issuers', the TSA's. Duplicates are dropped. */
  certificatesDer: readonly Buffer[];
  /** DER CRLs of the issuing CA (RFC 5280). */
  crlsDer: readonly Buffer[];
}>;

const unique = (items: readonly Buffer[]): Buffer[] => {
  const seen = new Set<string>();
  return items.filter((b) => {
    const key = b.toString('base64');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

export function addDss(doc: PDFDocument, data: ValidationData): void {
  const ctx = doc.context;
  const streams = (items: readonly Buffer[]) =>
    ctx.obj(unique(items).map((der) => ctx.register(ctx.flateStream(der))));
  const dss = ctx.obj({ Type: 'DSS' });
  dss.set(PDFName.of('Certs'), streams(data.certificatesDer));
  if (data.crlsDer.length > 0) dss.set(PDFName.of('CRLs'), streams(data.crlsDer));
  doc.catalog.set(PDFName.of('DSS'), ctx.register(dss));
  // The DSS is an extension of PDF 1.7 (ESIC level 5), declared as ISO 32000-1 §7.12 asks.
  const existing = doc.catalog.lookup(PDFName.of('Extensions'));
  const extensions = existing instanceof PDFDict ? existing : ctx.obj({});
  extensions.set(
    PDFName.of('ESIC'),
    ctx.obj({ BaseVersion: PDFName.of('1.7'), ExtensionLevel: PDFNumber.of(5) }),
  );
  doc.catalog.set(PDFName.of('Extensions'), extensions);
}
