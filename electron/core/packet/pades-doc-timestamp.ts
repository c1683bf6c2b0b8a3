import { ParseSpeeds, PDFDocument } from '@cantoo/pdf-lib';
import { addSignatureField, signatureDictionary } from './pades-signer';

/**
 * A PAdES document time-stamp (ETSI EN 319 142-1 §5.4.3, ISO 32000-2 §12.8.5): a new revision whose
 * signature field holds an RFC 3161 token over every byte before it (/Type /DocTimeStamp,
 * /SubFilter /ETSI.RFC3161). Added to a packet signed B-B because the TSA failed, it proves the
 * signed packet existed at the token's time; the reviewer's signature and its bytes are untouched.
 */
export async function addDocumentTimestamp(
  pdf: Buffer,
  /** Returns a DER TimeStampToken whose message imprint is SHA-256 of the given bytes. */
  timestamp: (covered: Buffer) => Promise<Buffer>,
  reserved = 16_384,
): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, {
    forIncrementalUpdate: true,
    updateMetadata: false,
    parseSpeed: ParseSpeeds.Fastest,
  });
  const sigDict = signatureDictionary(doc.context, 'DocTimeStamp', 'ETSI.RFC3161', reserved);
  return addSignatureField(doc, pdf, sigDict, reserved, timestamp);
}
