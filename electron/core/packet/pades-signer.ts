import { createHash, sign as cryptoSign, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { PDFDict } from '@cantoo/pdf-lib';
import {
  ParseSpeeds,
  PDFArray,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFString,
} from '@cantoo/pdf-lib';
import { AppError } from '@shared/errors/app-error';
import { addDss } from './pades-dss';

export type PdfSigner = Readonly<{
  /** ECDSA P-256 private key of the signer (the reviewer). */
  privateKey: KeyObject;
  certificatePem: string;
  /** Issuing CA certificates, nearest first; embedded so a verifier can build the path offline. */
  chainPem: readonly string[];
  /** RFC 3161 client: returns a DER TimeStampToken whose message imprint is SHA-256 of `digest`'s input. */
  timestamp?: (digest: Buffer) => Promise<Buffer>;
  /**
   * PAdES B-LT: certificates (the TSA's; the signer's chain is added anyway) and CRLs for the DSS,
   * written into the signed revision.
   */
  validation?: Readonly<{ certificatesPem: readonly string[]; crlsDer: readonly Buffer[] }>;
}>;

export type SignPdfOptions = Readonly<{
  /** Signing time written to the signature dictionary's /M (PAdES keeps it out of the CMS). */
  clock?: () => Date;
  reason?: string;
  location?: string;
  name?: string;
  /** Bytes reserved for the CMS in /Contents; the default leaves room for a chain and a time-stamp. */
  contentsBytes?: number;
}>;

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  sha256: '2.16.840.1.101.3.4.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

/** Width of each /ByteRange number placeholder; ten digits cover files up to 9.3 GB. */
const BYTE_RANGE_PLACEHOLDER = 9_999_999_999;

export function pemBlocks(pem: string, label = 'CERTIFICATE'): Buffer[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  return [...pem.matchAll(re)].map((m) => Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64'));
}

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

const toArrayBuffer = (b: Uint8Array): ArrayBuffer => {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return copy.buffer;
};

function parseCertificate(der: Buffer): pkijs.Certificate {
  try {
    return pkijs.Certificate.fromBER(toArrayBuffer(der));
  } catch (cause) {
    throw new AppError('input.invalid', 'signer certificate is not a valid X.509 certificate', {
      cause: String(cause),
    });
  }
}

/** Checks the key is ECDSA P-256 and belongs to the certificate, before anything is written. */
function checkSigner(signer: PdfSigner): { certDer: Buffer; chainDer: Buffer[] } {
  const certDer = pemBlocks(signer.certificatePem)[0];
  if (certDer === undefined) throw new AppError('input.invalid', 'no certificate in certificatePem');
  const details = signer.privateKey.asymmetricKeyDetails;
  if (signer.privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
    throw new AppError('input.invalid', 'PDF signatures use ECDSA P-256 keys only');
  }
  if (!new X509Certificate(certDer).checkPrivateKey(signer.privateKey)) {
    throw new AppError('custody.signature-invalid', 'the private key does not match the signer certificate');
  }
  return { certDer, chainDer: signer.chainPem.flatMap((p) => pemBlocks(p)) };
}

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

/**
 * ESS signing-certificate-v2 (RFC 5035), required by PAdES B-B: binds the signature to the exact
 * certificate. hashAlgorithm is SHA-256, the DEFAULT, so DER leaves it out.
 */
function signingCertificateV2(cert: pkijs.Certificate, certDer: Buffer): asn1js.Sequence {
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [
          // GeneralName directoryName [4]: explicit, because Name is a CHOICE.
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [cert.issuer.toSchema()] }),
        ],
      }),
      cert.serialNumber,
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: toArrayBuffer(sha256(certDer)) }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

const der = (schema: { toBER(sizeOnly?: boolean): ArrayBuffer }): Buffer => Buffer.from(schema.toBER(false));

/**
 * Builds the detached CMS SignedData (ETSI.CAdES.detached) over `content`: the two byte ranges of
 * the PDF around /Contents, already concatenated.
 */
export async function buildCadesSignature(content: Buffer, signer: PdfSigner): Promise<Buffer> {
  const { certDer, chainDer } = checkSigner(signer);
  const cert = parseCertificate(certDer);
  const chain = chainDer.map(parseCertificate);

  const attrs = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: toArrayBuffer(sha256(content)) })),
    attribute(OID.signingCertificateV2, signingCertificateV2(cert, certDer)),
  ];
  // DER orders a SET OF by the encodings of its elements; the signature is computed over that SET.
  const sorted = attrs
    .map((a) => ({ a, bytes: der(a.toSchema()) }))
    .sort((x, y) => Buffer.compare(x.bytes, y.bytes));
  const signedAttrsDer = der(new asn1js.Set({ value: sorted.map((s) => s.a.toSchema()) }));
  const signatureValue = cryptoSign('sha256', signedAttrsDer, { key: signer.privateKey, dsaEncoding: 'der' });

  const unsigned: pkijs.Attribute[] = [];
  if (signer.timestamp !== undefined) {
    // PAdES B-T: the time-stamp covers the signature value (RFC 3161 message imprint = SHA-256 of it).
    const token = await signer.timestamp(signatureValue);
    const parsed = asn1js.fromBER(toArrayBuffer(token));
    if (parsed.offset === -1) throw new AppError('tsa.bad-response', 'time-stamp token is not valid DER');
    unsigned.push(attribute(OID.signatureTimeStampToken, parsed.result));
  }

  const sha256Alg = new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: sha256Alg,
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: sorted.map((s) => s.a) }),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdsaWithSha256 }),
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(signatureValue) }),
    ...(unsigned.length > 0
      ? { unsignedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 1, attributes: unsigned }) }
      : {}),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 })],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [cert, ...chain],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema() });
  return der(contentInfo.toSchema());
}

function findLast(haystack: Buffer, needle: string, before = haystack.length): number {
  return haystack.lastIndexOf(Buffer.from(needle, 'latin1'), before);
}

/** A signature dictionary with /ByteRange and /Contents placeholders that addSignatureField fills. */
export function signatureDictionary(
  ctx: PDFDocument['context'],
  type: 'Sig' | 'DocTimeStamp',
  subFilter: 'ETSI.CAdES.detached' | 'ETSI.RFC3161',
  reserved: number,
): PDFDict {
  const placeholder = PDFNumber.of(BYTE_RANGE_PLACEHOLDER);
  return ctx.obj({
    Type: type,
    Filter: 'Adobe.PPKLite',
    SubFilter: subFilter,
    ByteRange: [PDFNumber.of(0), placeholder, placeholder, placeholder],
    Contents: PDFHexString.of('0'.repeat(reserved * 2)),
  });
}

/**
 * Adds an embedded PAdES signature (B-B, or B-T with `signer.timestamp`) as an incremental update:
 * the bytes of `pdf` are kept as they are, and the signature covers the whole file except /Contents.
 */
export async function signPdf(pdf: Buffer, signer: PdfSigner, options: SignPdfOptions = {}): Promise<Buffer> {
  checkSigner(signer);
  const reserved = options.contentsBytes ?? (signer.timestamp === undefined ? 12_288 : 24_576);
  // Parse and write without yielding every few objects: pdf-lib's default pacing triples the time.
  const doc = await PDFDocument.load(pdf, {
    forIncrementalUpdate: true,
    updateMetadata: false,
    parseSpeed: ParseSpeeds.Fastest,
  });
  const ctx = doc.context;
  const page = doc.getPages()[0];
  if (page === undefined) throw new AppError('packet.render-failed', 'cannot sign a PDF without pages');
  if (signer.validation !== undefined) {
    const { certDer, chainDer } = checkSigner(signer);
    addDss(doc, {
      certificatesDer: [
        certDer,
        ...chainDer,
        ...signer.validation.certificatesPem.flatMap((p) => pemBlocks(p)),
      ],
      crlsDer: signer.validation.crlsDer,
    });
  }

  const sigDict = signatureDictionary(ctx, 'Sig', 'ETSI.CAdES.detached', reserved);
  const when = options.clock?.();
  if (when !== undefined) sigDict.set(PDFName.of('M'), PDFString.fromDate(when));
  if (options.name !== undefined) sigDict.set(PDFName.of('Name'), PDFHexString.fromText(options.name));
  if (options.reason !== undefined) sigDict.set(PDFName.of('Reason'), PDFHexString.fromText(options.reason));
  if (options.location !== undefined)
    sigDict.set(PDFName.of('Location'), PDFHexString.fromText(options.location));
  return addSignatureField(doc, pdf, sigDict, reserved, (signed) => buildCadesSignature(signed, signer));
}

/**
 * Registers `sigDict` as the value of a new invisible signature field on the first page, saves the
 * document as an incremental update after `pdf`, fills /ByteRange, and writes into /Contents what
 * `contentsOf` makes of the bytes it covers (a CMS signature, or an RFC 3161 token for a document
 * time-stamp). The bytes of `pdf` are kept as they are.
 */
export async function addSignatureField(
  doc: PDFDocument,
  pdf: Buffer,
  sigDict: PDFDict,
  reserved: number,
  contentsOf: (signed: Buffer) => Promise<Buffer>,
): Promise<Buffer> {
  const ctx = doc.context;
  const page = doc.getPages()[0];
  if (page === undefined) throw new AppError('packet.render-failed', 'cannot sign a PDF without pages');
  const sigRef = ctx.register(sigDict);

  const acroForm = doc.catalog.getOrCreateAcroForm();
  const fieldCount = acroForm.getAllFields().length;
  const widget = ctx.obj({
    Type: 'Annot',
    Subtype: 'Widget',
    FT: 'Sig',
    T: PDFHexString.fromText(`Signature${fieldCount + 1}`),
    V: sigRef,
    // Invisible (zero-size) widget, printed and locked: the visible signature block is in the layout.
    F: 132,
    Rect: [0, 0, 0, 0],
    P: page.ref,
  });
  const widgetRef = ctx.register(widget);
  page.node.addAnnot(widgetRef);
  acroForm.dict.set(PDFName.of('SigFlags'), PDFNumber.of(3));
  const fields = acroForm.dict.lookup(PDFName.of('Fields'));
  if (fields instanceof PDFArray) {
    fields.push(widgetRef);
  } else {
    acroForm.dict.set(PDFName.of('Fields'), ctx.obj([widgetRef]));
  }

  const out = Buffer.from(await doc.commit({ useObjectStreams: false, objectsPerTick: Infinity }));

  // Locate the placeholders inside the appended update (never in the original bytes).
  const contentsMarker = `/Contents <${'0'.repeat(32)}`;
  const contentsAt = findLast(out, contentsMarker);
  if (contentsAt < pdf.length) throw new AppError('packet.render-failed', 'signature placeholder not found');
  const contentsStart = contentsAt + '/Contents '.length;
  const contentsEnd = out.indexOf('>', contentsStart) + 1;
  if (contentsEnd - contentsStart !== reserved * 2 + 2) {
    throw new AppError('packet.render-failed', 'signature placeholder has an unexpected size');
  }
  const brAt = out.indexOf('/ByteRange [', pdf.length, 'latin1');
  if (brAt === -1) throw new AppError('packet.render-failed', 'byte range placeholder not found');
  const brOpen = brAt + '/ByteRange '.length;
  const brClose = out.indexOf(']', brOpen);
  const ranges = [0, contentsStart, contentsEnd, out.length - contentsEnd];
  const brText = `[${ranges.join(' ')}]`;
  const width = brClose + 1 - brOpen;
  if (brText.length > width) throw new AppError('packet.render-failed', 'byte range does not fit');
  out.write(brText.padEnd(width, ' '), brOpen, 'latin1');

  const signed = Buffer.concat([out.subarray(0, contentsStart), out.subarray(contentsEnd)]);
  const cms = await contentsOf(signed);
  if (cms.length > reserved) {
    throw new AppError('packet.render-failed', `signature needs ${cms.length} bytes, ${reserved} reserved`);
  }
  out.write(`<${cms.toString('hex').padEnd(reserved * 2, '0')}>`, contentsStart, 'latin1');
  return out;
}
