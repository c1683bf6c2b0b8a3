import { X509Certificate, createHash, randomBytes, verify as verifySignature } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError, errorMessage } from '@shared/errors/app-error';
import { derToPem, pemBlocks } from './x509';

/**
 * RFC 3161 time-stamping: ask a TSA to vouch that a SHA-256 digest existed at a given time, check
 * everything about its answer before trusting it, and read stored tokens back later. A token that
 * passes here also passes `openssl ts -verify`, which is how a court checks it without Vigil.
 */

export type TimestampGrant = Readonly<{
  /** DER ContentInfo (the TimeStampToken), exactly as the TSA sent it. */
  token: Buffer;
  /** ISO-8601 UTC with milliseconds. */
  genTime: string;
  tsaName: string | null;
  serialHex: string;
  policy: string;
  certificatesPem: string[];
}>;

export type TimestampInfo = Readonly<{
  genTime: string;
  serialHex: string;
  policy: string;
  /** OID of the imprint's hash algorithm (2.16.840.1.101.3.4.2.1 for SHA-256). */
  hashAlgorithm: string;
  imprintHex: string;
  nonceHex: string | null;
  tsaName: string | null;
  certificatesPem: string[];
}>;

export type RequestTimestampOptions = Readonly<{
  url: string;
  sha256: Buffer;
  timeoutMs: number;
  nonce?: Buffer;
}>;

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha1: '1.3.14.3.2.26',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentTypeAttr: '1.2.840.113549.1.9.3',
  messageDigestAttr: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  rsaPss: '1.2.840.113549.1.1.10',
} as const;

const DIGESTS: Readonly<Record<string, 'sha256' | 'sha384' | 'sha512'>> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

const REPLY_TYPES = new Set(['application/timestamp-reply', 'application/timestamp-response']);
// A reply is a few kilobytes (token + a short chain); anything far larger is not a TSA talking.
const MAX_REPLY_BYTES = 1024 * 1024;

const FAIL_INFO_NAMES: readonly string[] = [
  'badAlg', // 0
  '',
  'badRequest', // 2
  '',
  '',
  'badDataFormat', // 5
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  'timeNotAvailable', // 14
  'unacceptedPolicy', // 15
  'unacceptedExtension', // 16
  'addInfoNotAvailable', // 17
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  'systemFailure', // 25
];

const STATUS_NAMES = [
  'granted',
  'grantedWithMods',
  'rejection',
  'waiting',
  'revocationWarning',
  'revocationNotification',
];

// ---------------------------------------------------------------------------------------------
// Request

/** A random 8-byte nonce that is a positive, minimally encoded DER INTEGER (first byte 0x01–0x7f). */
export function randomNonce(): Buffer {
  const nonce = randomBytes(8);
  nonce[0] = ((nonce[0] ?? 0) % 0x7f) + 1;
  return nonce;
}

/** The DER TimeStampReq (v1, SHA-256 imprint, nonce, certReq TRUE) that requestTimestamp sends. */
export function buildTimestampRequest(sha256: Buffer, nonce: Buffer): Buffer {
  assertSha256(sha256);
  assertNonce(nonce);
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      // Parameters absent, as RFC 5754 §2 asks for SHA-2 and as OpenSSL writes them.
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: sha256 }),
    }),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true,
  });
  return Buffer.from(request.toSchema().toBER(false));
}

export async function requestTimestamp(opts: RequestTimestampOptions): Promise<TimestampGrant> {
  const url = parseTsaUrl(opts.url);
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
    throw new AppError('input.invalid', 'timeoutMs must be a positive number');
  }
  const nonce = opts.nonce ?? randomNonce();
  const query = buildTimestampRequest(opts.sha256, nonce);

  const reply = await post(url, query, opts.timeoutMs);
  if (reply.status !== 200) {
    throw new AppError('tsa.unreachable', `the TSA answered HTTP ${reply.status}`, {
      url: url.href,
      status: reply.status,
    });
  }
  const mediaType = (reply.contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (!REPLY_TYPES.has(mediaType)) {
    throw new AppError('tsa.bad-response', `the TSA answered with content type "${reply.contentType}"`, {
      url: url.href,
    });
  }

  const tokenDer = tokenFromResponse(reply.body);
  const token = parseToken(tokenDer);
  checkImprint(token.tstInfo, opts.sha256);
  const echoed = token.tstInfo.nonce;
  if (echoed === undefined || !minimalUnsigned(echoed).equals(nonce)) {
    throw new AppError('tsa.nonce-mismatch', 'the TSA token does not carry the nonce of the request', {
      sent: nonce.toString('hex'),
      received: echoed === undefined ? null : minimalUnsigned(echoed).toString('hex'),
    });
  }
  checkSignature(token);

  const info = tokenInfo(token);
  return {
    token: tokenDer,
    genTime: info.genTime,
    tsaName: info.tsaName,
    serialHex: info.serialHex,
    policy: info.policy,
    certificatesPem: info.certificatesPem,
  };
}

// ---------------------------------------------------------------------------------------------
// Stored tokens

/**
 * Reads a stored token (a DER ContentInfo, or a whole TimeStampResp as `openssl ts -reply` writes
 * it) without checking its signature. With `expectedSha256` it also requires the imprint to match.
 */
export function inspectTimestampToken(token: Buffer, expectedSha256?: Buffer): TimestampInfo {
  const parsed = parseToken(unwrapToken(token));
  if (expectedSha256 !== undefined) checkImprint(parsed.tstInfo, expectedSha256);
  return tokenInfo(parsed);
}

/**
 * Full offline check of a stored token: imprint, CMS signature, the signer's id-kp-timeStamping
 * certificate and its ESS binding, and — when trusted certificates are given — a chain from the
 * signer to one of them, valid at the token's genTime. Throws the same codes as requestTimestamp.
 */
export function verifyTimestampToken(
  token: Buffer,
  sha256: Buffer,
  trustedCertsPem?: readonly string[],
): TimestampInfo {
  const parsed = parseToken(unwrapToken(token));
  checkImprint(parsed.tstInfo, sha256);
  const signer = checkSignature(parsed);
  if (trustedCertsPem !== undefined) {
    const anchors = trustedCertsPem.flatMap((pem) =>
      pemBlocks(pem)
        .filter((block) => block.label === 'CERTIFICATE')
        .map((block) => new X509Certificate(block.der)),
    );
    if (anchors.length === 0) throw new AppError('input.invalid', 'no trusted certificate was given');
    checkChain(signer, parsed, anchors);
  }
  return tokenInfo(parsed);
}

/**
 * A token wrapped as a granted TimeStampResp — the `.tsr` form that `openssl ts -verify -in` reads
 * without `-token_in`. The PKIStatusInfo is not signed by the TSA, so wrapping changes no evidence:
 * the token bytes inside are the ones the TSA sent.
 */
export function timestampResponseFromToken(token: Buffer): Buffer {
  const tokenDer = unwrapToken(token);
  const response = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.Integer({ value: pkijs.PKIStatus.granted })] }),
      parseDer(tokenDer, 'the time-stamp token'),
    ],
  });
  return Buffer.from(response.toBER(false));
}

// ---------------------------------------------------------------------------------------------
// HTTP

type Reply = { status: number; contentType: string; body: Buffer };

function parseTsaUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('input.invalid', 'the TSA URL is not a valid URL', { url: raw });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('input.invalid', 'the TSA URL must be http or https', { url: raw });
  }
  return url;
}

/** One POST bounded by `timeoutMs` from connect to the last byte; never through a proxy. */
function post(url: URL, body: Buffer, timeoutMs: number): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: { error: AppError } | { reply: Reply }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if ('error' in outcome) {
        request.destroy();
        reject(outcome.error);
      } else {
        resolve(outcome.reply);
      }
    };
    const unreachable = (message: string, cause?: unknown) =>
      finish({
        error: new AppError('tsa.unreachable', message, {
          url: url.href,
          ...(cause === undefined ? {} : { cause: errorText(cause) }),
        }),
      });

    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request(
      url,
      {
        method: 'POST',
        // A private agent: no pooled keep-alive socket outlives the request.
        agent: false,
        headers: {
          'Content-Type': 'application/timestamp-query',
          'Content-Length': body.length,
          Accept: 'application/timestamp-reply',
          Connection: 'close',
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REPLY_BYTES) {
            finish({
              error: new AppError('tsa.bad-response', 'the TSA reply is too large', { url: url.href }),
            });
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => unreachable('the TSA connection failed while reading', error));
        response.on('aborted', () => unreachable('the TSA connection was cut while reading'));
        response.on('end', () =>
          finish({
            reply: {
              status: response.statusCode ?? 0,
              contentType: response.headers['content-type'] ?? '',
              body: Buffer.concat(chunks),
            },
          }),
        );
      },
    );
    const timer = setTimeout(() => unreachable(`the TSA did not answer within ${timeoutMs} ms`), timeoutMs);
    request.on('error', (error) => unreachable('the TSA cannot be reached', error));
    request.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Parsing

type ParsedToken = {
  signedData: pkijs.SignedData;
  signerInfo: pkijs.SignerInfo;
  tstInfo: pkijs.TSTInfo;
  tstInfoDer: Buffer;
  certificates: { cert: pkijs.Certificate; der: Buffer }[];
};

const badResponse = (message: string, details?: unknown): AppError =>
  new AppError('tsa.bad-response', message, details);

function parseDer(bytes: Buffer, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.offset !== bytes.length) {
    throw badResponse(`${what} is not a single well-formed ASN.1 value`);
  }
  return parsed.result;
}

/** The token bytes of a DER TimeStampResp, after its PKIStatus says it was granted. */
function tokenFromResponse(bytes: Buffer): Buffer {
  const root = parseDer(bytes, 'the TSA reply');
  let response: pkijs.TimeStampResp;
  try {
    response = new pkijs.TimeStampResp({ schema: root });
  } catch (error) {
    throw badResponse('the TSA reply is not a TimeStampResp', { cause: errorText(error) });
  }
  const status = response.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    const text = (response.status.statusStrings ?? []).map((s) => s.valueBlock.value).join('; ');
    const failInfo = response.status.failInfo ? failInfoNames(response.status.failInfo) : [];
    throw new AppError(
      'tsa.rejected',
      `the TSA refused the request (${STATUS_NAMES[status] ?? `status ${status}`}${text ? `: ${text}` : ''}${
        failInfo.length > 0 ? `; ${failInfo.join(', ')}` : ''
      })`,
      { status, statusText: text || null, failInfo },
    );
  }
  const token = root instanceof asn1js.Sequence ? root.valueBlock.value[1] : undefined;
  if (token === undefined || response.timeStampToken === undefined) {
    throw badResponse('the TSA granted the request but sent no token');
  }
  // The exact bytes the TSA signed and sent: stored tokens must never be re-encoded.
  return Buffer.from(token.valueBeforeDecodeView);
}

/** Accepts a bare token (ContentInfo) or a whole TimeStampResp. */
function unwrapToken(bytes: Buffer): Buffer {
  const root = parseDer(bytes, 'the time-stamp token');
  const first = root instanceof asn1js.Sequence ? root.valueBlock.value[0] : undefined;
  if (first instanceof asn1js.ObjectIdentifier) return bytes;
  if (first instanceof asn1js.Sequence) return tokenFromResponse(bytes);
  throw badResponse('not a time-stamp token or response');
}

function parseToken(tokenDer: Buffer): ParsedToken {
  const root = parseDer(tokenDer, 'the time-stamp token');
  try {
    const contentInfo = new pkijs.ContentInfo({ schema: root });
    if (contentInfo.contentType !== OID.signedData) throw new Error('the token is not CMS SignedData');
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    if (signedData.encapContentInfo.eContentType !== OID.tstInfo)
      throw new Error('the token does not hold a TSTInfo');
    const eContent = signedData.encapContentInfo.eContent;
    if (eContent === undefined) throw new Error('the token has no TSTInfo content');
    const tstInfoDer = Buffer.from(eContent.getValue());
    const tstInfo = pkijs.TSTInfo.fromBER(tstInfoDer);
    // RFC 3161 §2.4.2: exactly one signer.
    const signerInfo = signedData.signerInfos[0];
    if (signedData.signerInfos.length !== 1 || signerInfo === undefined) {
      throw new Error('the token must have exactly one signer');
    }
    const certificates = (signedData.certificates ?? [])
      .filter((cert): cert is pkijs.Certificate => cert instanceof pkijs.Certificate)
      .map((cert) => ({ cert, der: Buffer.from(cert.toSchema().toBER(false)) }));
    return { signedData, signerInfo, tstInfo, tstInfoDer, certificates };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw badResponse(`malformed time-stamp token: ${errorMessage(error)}`);
  }
}

function tokenInfo(token: ParsedToken): TimestampInfo {
  const { tstInfo } = token;
  return {
    genTime: tstInfo.genTime.toISOString(),
    serialHex: minimalUnsigned(tstInfo.serialNumber).toString('hex'),
    policy: tstInfo.policy,
    hashAlgorithm: tstInfo.messageImprint.hashAlgorithm.algorithmId,
    imprintHex: Buffer.from(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView).toString('hex'),
    nonceHex: tstInfo.nonce === undefined ? null : minimalUnsigned(tstInfo.nonce).toString('hex'),
    tsaName: tstInfo.tsa === undefined ? null : generalNameText(tstInfo.tsa),
    certificatesPem: token.certificates.map(({ der }) => derToPem('CERTIFICATE', der)),
  };
}

// ---------------------------------------------------------------------------------------------
// Checks

function checkImprint(tstInfo: pkijs.TSTInfo, sha256: Buffer): void {
  assertSha256(sha256);
  const imprint = tstInfo.messageImprint;
  const hashed = Buffer.from(imprint.hashedMessage.valueBlock.valueHexView);
  if (imprint.hashAlgorithm.algorithmId !== OID.sha256 || !hashed.equals(sha256)) {
    throw new AppError('tsa.imprint-mismatch', 'the time-stamp token is for other data', {
      expected: sha256.toString('hex'),
      algorithm: imprint.hashAlgorithm.algorithmId,
      actual: hashed.toString('hex'),
    });
  }
}

const badCertificate = (message: string, details?: unknown): AppError =>
  new AppError('tsa.bad-certificate', message, details);

/**
 * Verifies the CMS signature over the TSTInfo (RFC 5652 §5.4: over the DER SET of signed
 * attributes, which bind content type and message digest) and returns the signer's certificate,
 * after checking it is a time-stamping certificate (RFC 3161 §2.3) named by the ESS
 * signing-certificate attribute (RFC 3161 §2.4.1, RFC 5816) and valid at genTime.
 */
function checkSignature(token: ParsedToken): X509Certificate {
  const { signerInfo, tstInfo } = token;
  const signer = findSignerCertificate(token);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(signer.der);
  } catch (error) {
    throw badCertificate('the signer certificate cannot be read', { cause: errorText(error) });
  }

  checkTimeStampingUsage(signer.cert);
  const genTime = tstInfo.genTime;
  if (genTime < signer.cert.notBefore.value || genTime > signer.cert.notAfter.value) {
    throw badCertificate('the TSA certificate was not valid at the time it stamped', {
      genTime: genTime.toISOString(),
      notBefore: signer.cert.notBefore.value.toISOString(),
      notAfter: signer.cert.notAfter.value.toISOString(),
    });
  }

  const digest = DIGESTS[signerInfo.digestAlgorithm.algorithmId];
  if (digest === undefined) {
    throw badCertificate(`unsupported signer digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
  }
  if (signerInfo.signatureAlgorithm.algorithmId === OID.rsaPss) {
    throw badCertificate('RSASSA-PSS token signatures are not supported');
  }
  const attributes = signerInfo.signedAttrs;
  if (attributes === undefined) throw badCertificate('the token signature has no signed attributes');
  const attribute = (type: string) => attributes.attributes.find((attr) => attr.type === type);

  const contentType: unknown = attribute(OID.contentTypeAttr)?.values[0];
  if (
    !(contentType instanceof asn1js.ObjectIdentifier) ||
    contentType.valueBlock.toString() !== OID.tstInfo
  ) {
    throw badCertificate('the signed content-type attribute is not id-ct-TSTInfo');
  }
  const messageDigest: unknown = attribute(OID.messageDigestAttr)?.values[0];
  const expectedDigest = createHash(digest).update(token.tstInfoDer).digest();
  if (
    !(messageDigest instanceof asn1js.OctetString) ||
    !Buffer.from(messageDigest.valueBlock.valueHexView).equals(expectedDigest)
  ) {
    throw badCertificate('the signed message digest does not match the TSTInfo');
  }
  checkEssBinding(attribute, signer.der);

  const signedBytes = Buffer.from(attributes.encodedValue);
  const signature = Buffer.from(signerInfo.signature.valueBlock.valueHexView);
  let valid: boolean;
  try {
    valid = verifySignature(digest, signedBytes, x509.publicKey, signature);
  } catch (error) {
    throw badCertificate('the token signature cannot be checked', { cause: errorText(error) });
  }
  if (!valid) throw badCertificate('the token signature does not verify against the TSA certificate');
  return x509;
}

function findSignerCertificate(token: ParsedToken): { cert: pkijs.Certificate; der: Buffer } {
  const sid: unknown = token.signerInfo.sid;
  const found = token.certificates.find(({ cert }) => {
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      return cert.issuer.isEqual(sid.issuer) && cert.serialNumber.isEqual(sid.serialNumber);
    }
    if (sid instanceof asn1js.Constructed || sid instanceof asn1js.Primitive) {
      // [0] SubjectKeyIdentifier, implicitly tagged.
      const inner = sid instanceof asn1js.Constructed ? sid.valueBlock.value[0] : sid;
      const keyId =
        inner instanceof asn1js.OctetString || inner instanceof asn1js.Primitive
          ? Buffer.from(inner.valueBlock.valueHexView)
          : Buffer.alloc(0);
      // The TSA may compute its key identifier by any method: trust its own extension first.
      const ski = cert.extensions?.find((ext) => ext.extnID === OID.subjectKeyIdentifier)
        ?.parsedValue as unknown;
      if (ski instanceof asn1js.OctetString) return Buffer.from(ski.valueBlock.valueHexView).equals(keyId);
      const spki = cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
      return createHash('sha1').update(spki).digest().equals(keyId);
    }
    return false;
  });
  if (found === undefined) {
    throw badCertificate('the token does not include the certificate of its signer (certReq was set)');
  }
  return found;
}

/** RFC 3161 §2.3: extKeyUsage present, critical, and id-kp-timeStamping only (as OpenSSL checks). */
function checkTimeStampingUsage(cert: pkijs.Certificate): void {
  const eku = cert.extensions?.find((ext) => ext.extnID === OID.extKeyUsage);
  const parsed = eku?.parsedValue as unknown;
  const purposes = parsed instanceof pkijs.ExtKeyUsage ? parsed.keyPurposes : [];
  if (eku === undefined || !purposes.includes(OID.timeStamping)) {
    throw badCertificate('the TSA certificate is not a time-stamping certificate (no id-kp-timeStamping)');
  }
  if (!eku.critical || purposes.length !== 1) {
    throw badCertificate('the TSA certificate extKeyUsage must be critical and only id-kp-timeStamping', {
      critical: eku.critical,
      purposes,
    });
  }
}

/** The ESS signing-certificate attribute must name the certificate that signed (no substitution). */
function checkEssBinding(attribute: (type: string) => pkijs.Attribute | undefined, signerDer: Buffer): void {
  const v2: unknown = attribute(OID.signingCertificateV2)?.values[0];
  const v1: unknown = attribute(OID.signingCertificate)?.values[0];
  const signingCertificate = v2 ?? v1;
  if (!(signingCertificate instanceof asn1js.Sequence)) {
    throw badCertificate('the token has no ESS signing-certificate attribute');
  }
  const certIds = signingCertificate.valueBlock.value[0];
  const essCertId = certIds instanceof asn1js.Sequence ? certIds.valueBlock.value[0] : undefined;
  const fields = essCertId instanceof asn1js.Sequence ? essCertId.valueBlock.value : [];
  let hashName = 'sha1';
  let index = 0;
  if (v2 !== undefined) {
    hashName = 'sha256';
    const algorithm = fields[0];
    if (algorithm instanceof asn1js.Sequence) {
      const oid = algorithm.valueBlock.value[0];
      const name = oid instanceof asn1js.ObjectIdentifier ? DIGESTS[oid.valueBlock.toString()] : undefined;
      if (name === undefined) throw badCertificate('unsupported ESS certificate hash algorithm');
      hashName = name;
      index = 1;
    }
  }
  const certHash = fields[index];
  if (!(certHash instanceof asn1js.OctetString))
    throw badCertificate('malformed ESS signing-certificate attribute');
  const actual = createHash(hashName).update(signerDer).digest();
  if (!actual.equals(Buffer.from(certHash.valueBlock.valueHexView))) {
    throw badCertificate('the ESS signing-certificate attribute names another certificate than the signer');
  }
}

function checkChain(signer: X509Certificate, token: ParsedToken, anchors: readonly X509Certificate[]): void {
  const at = token.tstInfo.genTime;
  const validAt = (cert: X509Certificate) => new Date(cert.validFrom) <= at && at <= new Date(cert.validTo);
  const issues = (issuer: X509Certificate, subject: X509Certificate) =>
    issuer.ca && subject.checkIssued(issuer) && subject.verify(issuer.publicKey) && validAt(issuer);
  const intermediates = token.certificates.map(({ der }) => new X509Certificate(der));

  let current = signer;
  for (let depth = 0; depth < 8; depth += 1) {
    if (anchors.some((anchor) => anchor.raw.equals(current.raw))) return;
    if (anchors.some((anchor) => issues(anchor, current))) return;
    const next = intermediates.find(
      (candidate) => !candidate.raw.equals(current.raw) && issues(candidate, current),
    );
    if (next === undefined) break;
    current = next;
  }
  throw badCertificate('the TSA certificate does not chain to a trusted certificate', {
    signer: signer.subject.split('\n').join(', '),
  });
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
}

function assertSha256(sha256: Buffer): void {
  if (!Buffer.isBuffer(sha256) || sha256.length !== 32) {
    throw new AppError('input.invalid', 'a SHA-256 digest is 32 bytes');
  }
}

function assertNonce(nonce: Buffer): void {
  // DESIGN §11: a leading 0x00 is a non-minimal DER INTEGER that OpenSSL rejects; 0x80+ is negative.
  const first = nonce[0];
  if (nonce.length < 1 || nonce.length > 32 || first === undefined || first < 0x01 || first > 0x7f) {
    throw new AppError('input.invalid', 'the nonce must be 1–32 bytes with a first byte of 0x01–0x7f');
  }
}

/** The magnitude bytes of a non-negative INTEGER, without DER's leading sign byte. */
function minimalUnsigned(value: asn1js.Integer): Buffer {
  const bytes = Buffer.from(value.valueBlock.valueHexView);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  return bytes.subarray(start);
}

function failInfoNames(bits: asn1js.BitString): string[] {
  const bytes = bits.valueBlock.valueHexView;
  const names: string[] = [];
  for (let bit = 0; bit < bytes.length * 8; bit += 1) {
    if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) {
      names.push(FAIL_INFO_NAMES[bit] || `bit${bit}`);
    }
  }
  return names;
}

const NAME_KEYS: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function generalNameText(name: pkijs.GeneralName): string {
  const value: unknown = name.value;
  if (name.type === 4 && value instanceof pkijs.RelativeDistinguishedNames) {
    return value.typesAndValues
      .map((tv) => {
        const block: unknown = tv.value.valueBlock;
        const text =
          block !== null && typeof block === 'object' && 'value' in block && typeof block.value === 'string'
            ? block.value
            : Buffer.from(tv.value.valueBeforeDecodeView).toString('hex');
        return `${NAME_KEYS[tv.type] ?? tv.type}=${text}`;
      })
      .join(', ');
  }
  return typeof value === 'string' ? value : `[GeneralName ${name.type}]`;
}
