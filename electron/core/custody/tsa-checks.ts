import { X509Certificate, createHash, verify as verifySignature } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError } from '@shared/errors/app-error';
import { badCertificate, errorText } from './tsa-errors';
import { DIGESTS, OID, type DigestName } from './tsa-oids';
import { assertSha256 } from './tsa-request';
import { minimalUnsigned, type ParsedToken, type TokenCertificate } from './tsa-token';

/**
 * Everything a token must satisfy before it is trusted: it stamps our data and our nonce, its CMS
 * signature verifies, its signer is a time-stamping certificate bound by ESS, and (when trust
 * anchors are given) that signer chains to one of them at genTime. Each check throws its own code.
 */

type SignedAttribute = (type: string) => pkijs.Attribute | undefined;

export function checkImprint(tstInfo: pkijs.TSTInfo, sha256: Buffer): void {
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

/** The token must echo the request's nonce (RFC 3161 §2.4.2), so an old answer cannot be replayed. */
export function checkNonce(tstInfo: pkijs.TSTInfo, nonce: Buffer): void {
  const echoed = tstInfo.nonce;
  if (echoed === undefined || !minimalUnsigned(echoed).equals(nonce)) {
    throw new AppError('tsa.nonce-mismatch', 'the TSA token does not carry the nonce of the request', {
      sent: nonce.toString('hex'),
      received: echoed === undefined ? null : minimalUnsigned(echoed).toString('hex'),
    });
  }
}

/**
 * Verifies the CMS signature over the TSTInfo (RFC 5652 §5.4: over the DER SET of signed
 * attributes, which bind content type and message digest) and returns the signer's certificate,
 * after checking it is a time-stamping certificate (RFC 3161 §2.3) named by the ESS
 * signing-certificate attribute (RFC 3161 §2.4.1, RFC 5816) and valid at genTime.
 */
export function checkSignature(token: ParsedToken): X509Certificate {
  const signer = findSignerCertificate(token);
  const x509 = readCertificate(signer.der);
  checkTimeStampingUsage(signer.cert);
  checkValidAtGenTime(signer.cert, token.tstInfo.genTime);
  const digest = signerDigest(token.signerInfo);
  const attributes = checkSignedAttributes(token, digest, signer.der);
  checkCmsSignature(token.signerInfo, attributes, digest, x509);
  return x509;
}

function readCertificate(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (error) {
    throw badCertificate('the signer certificate cannot be read', { cause: errorText(error) });
  }
}

function checkValidAtGenTime(cert: pkijs.Certificate, genTime: Date): void {
  if (genTime < cert.notBefore.value || genTime > cert.notAfter.value) {
    throw badCertificate('the TSA certificate was not valid at the time it stamped', {
      genTime: genTime.toISOString(),
      notBefore: cert.notBefore.value.toISOString(),
      notAfter: cert.notAfter.value.toISOString(),
    });
  }
}

function signerDigest(signerInfo: pkijs.SignerInfo): DigestName {
  const digest = DIGESTS[signerInfo.digestAlgorithm.algorithmId];
  if (digest === undefined) {
    throw badCertificate(`unsupported signer digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
  }
  if (signerInfo.signatureAlgorithm.algorithmId === OID.rsaPss) {
    throw badCertificate('RSASSA-PSS token signatures are not supported');
  }
  return digest;
}

/** The signed attributes must bind id-ct-TSTInfo, the TSTInfo's digest and the signer (ESS). */
function checkSignedAttributes(
  token: ParsedToken,
  digest: DigestName,
  signerDer: Buffer,
): pkijs.SignedAndUnsignedAttributes {
  const attributes = token.signerInfo.signedAttrs;
  if (attributes === undefined) throw badCertificate('the token signature has no signed attributes');
  const attribute: SignedAttribute = (type) => attributes.attributes.find((attr) => attr.type === type);

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
  checkEssBinding(attribute, signerDer);
  return attributes;
}

function checkCmsSignature(
  signerInfo: pkijs.SignerInfo,
  attributes: pkijs.SignedAndUnsignedAttributes,
  digest: DigestName,
  signer: X509Certificate,
): void {
  const signedBytes = Buffer.from(attributes.encodedValue);
  const signature = Buffer.from(signerInfo.signature.valueBlock.valueHexView);
  let valid: boolean;
  try {
    valid = verifySignature(digest, signedBytes, signer.publicKey, signature);
  } catch (error) {
    throw badCertificate('the token signature cannot be checked', { cause: errorText(error) });
  }
  if (!valid) throw badCertificate('the token signature does not verify against the TSA certificate');
}

function findSignerCertificate(token: ParsedToken): TokenCertificate {
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
      return matchesKeyId(cert, keyId);
    }
    return false;
  });
  if (found === undefined) {
    throw badCertificate('the token does not include the certificate of its signer (certReq was set)');
  }
  return found;
}

function matchesKeyId(cert: pkijs.Certificate, keyId: Buffer): boolean {
  // The TSA may compute its key identifier by any method: trust its own extension first.
  const ski: unknown = cert.extensions?.find((ext) => ext.extnID === OID.subjectKeyIdentifier)?.parsedValue;
  if (ski instanceof asn1js.OctetString) return Buffer.from(ski.valueBlock.valueHexView).equals(keyId);
  const spki = cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  return createHash('sha1').update(spki).digest().equals(keyId);
}

/** RFC 3161 §2.3: extKeyUsage present, critical, and id-kp-timeStamping only (as OpenSSL checks). */
function checkTimeStampingUsage(cert: pkijs.Certificate): void {
  const eku = cert.extensions?.find((ext) => ext.extnID === OID.extKeyUsage);
  const parsed: unknown = eku?.parsedValue;
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
function checkEssBinding(attribute: SignedAttribute, signerDer: Buffer): void {
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

/** A chain from the signer to one of the anchors, every link valid at the token's genTime. */
export function checkChain(
  signer: X509Certificate,
  token: ParsedToken,
  anchors: readonly X509Certificate[],
): void {
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
