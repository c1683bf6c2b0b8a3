import {
  X509Certificate,
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError, errorMessage } from '@shared/errors/app-error';

/**
 * The local certificate authority of DESIGN §5: it certifies the workstation key and every user key
 * so that PDF signatures carry a certificate chain a validator can follow. Everything is ECDSA P-256
 * with SHA-256, the one algorithm that WebCrypto, OpenSSL, NSS (poppler) and Adobe all accept.
 */

export type LocalCa = Readonly<{ keyPem: string; certPem: string }>;

export type CertificateProfile = 'user-signing' | 'workstation';

export type CertificateInfo = Readonly<{
  subject: string;
  issuer: string;
  serialHex: string;
  notBefore: string;
  notAfter: string;
  sha256Fingerprint: string;
}>;

export type CreateLocalCaOptions = Readonly<{
  commonName: string;
  organization?: string;
  now: Date;
  validityDays: number;
}>;

export type IssueCertificateOptions = Readonly<{
  ca: LocalCa;
  subjectPublicKeyPem: string;
  commonName: string;
  organization?: string;
  organizationalUnit?: string;
  profile: CertificateProfile;
  now: Date;
  validityDays: number;
}>;

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  emailProtection: '1.3.6.1.5.5.7.3.4',
} as const;

const DAY_MS = 86_400_000;
// RFC 5280 upper bounds (ub-common-name, ub-organization-name, ub-organizational-unit-name).
const NAME_LIMITS = { commonName: 64, organization: 64, organizationalUnit: 64 } as const;

let engine: pkijs.CryptoEngine | undefined;

/**
 * pkijs keeps its engine in a process-wide slot; registering Node's WebCrypto once lets any other
 * pkijs user in the backend work too, and the same engine is passed explicitly where pkijs allows it.
 */
export function pkiEngine(): pkijs.CryptoEngine {
  if (engine === undefined) {
    // pkijs types this with the DOM's `Crypto`, which a Node-only project doesn't load; at run time
    // Node's webcrypto is exactly that object.
    engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as never });
    pkijs.setEngine('node-webcrypto', engine);
  }
  return engine;
}

// ---------------------------------------------------------------------------------------------
// PEM

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order (a chain file holds several). */
export function pemBlocks(text: string): { label: string; der: Buffer }[] {
  const blocks: { label: string; der: Buffer }[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] ?? '';
    const body = (match[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length === 0) {
      throw new AppError('input.invalid', `PEM block "${label}" is not valid base64`);
    }
    blocks.push({ label, der: Buffer.from(body, 'base64') });
  }
  return blocks;
}

/** DER bytes of the first PEM block, optionally requiring its label (e.g. `CERTIFICATE`). */
export function pemToDer(pem: string, label?: string): Buffer {
  const first = pemBlocks(pem)[0];
  if (first === undefined) throw new AppError('input.invalid', 'no PEM block found');
  if (label !== undefined && first.label !== label) {
    throw new AppError('input.invalid', `expected a PEM "${label}", found "${first.label}"`);
  }
  return first.der;
}

export function derToPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// ---------------------------------------------------------------------------------------------
// Certificates

export async function createLocalCa(opts: CreateLocalCaOptions): Promise<LocalCa> {
  const crypto = pkiEngine();
  const name = buildName({ commonName: opts.commonName, organization: opts.organization });
  const validity = validityWindow(opts.now, opts.validityDays);

  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const spkiDer = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const pkcs8Der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const publicKeyInfo = pkijs.PublicKeyInfo.fromBER(spkiDer);
  const keyId = keyIdentifier(publicKeyInfo);

  const cert = newCertificate({ subject: name, issuer: name, publicKeyInfo, ...validity });
  cert.extensions = [
    extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: true }).toSchema()),
    // keyCertSign (bit 5) + cRLSign (bit 6): the CA signs certificates and, later, revocation lists.
    extension(OID.keyUsage, true, keyUsageBits([5, 6])),
    extension(OID.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyId })),
  ];
  await cert.sign(keys.privateKey, 'SHA-256', crypto);

  return {
    keyPem: derToPem('PRIVATE KEY', pkcs8Der),
    certPem: derToPem('CERTIFICATE', Buffer.from(cert.toSchema(true).toBER(false))),
  };
}

/**
 * An end-entity certificate for a user's signing key or the workstation key.
 * Both carry keyUsage digitalSignature + nonRepudiation (critical), which is what PDF validators
 * look for in a document signer. `user-signing` also names id-kp-emailProtection: NSS (and so
 * poppler's pdfsig) validates document signers with the email-signer usage, and Adobe accepts that
 * purpose too, while it keeps the key out of TLS. The workstation certificate has no EKU (no
 * restriction, RFC 5280 §4.2.1.12) because it seals manifests and bundles, not e-mail.
 * notAfter is capped at the CA's own notAfter: a certificate can't outlive its issuer.
 */
export async function issueCertificate(opts: IssueCertificateOptions): Promise<string> {
  const crypto = pkiEngine();
  const caCert = parseCertificate(opts.ca.certPem);
  const caKey = parseP256PrivateKey(opts.ca.keyPem);
  assertCaMatchesKey(opts.ca.certPem, caKey);
  assertIsCa(caCert);

  const subjectKey = parseP256PublicKey(opts.subjectPublicKeyPem);
  const publicKeyInfo = pkijs.PublicKeyInfo.fromBER(subjectKey.export({ type: 'spki', format: 'der' }));
  const subject = buildName({
    commonName: opts.commonName,
    organization: opts.organization,
    organizationalUnit: opts.organizationalUnit,
  });

  const validity = validityWindow(opts.now, opts.validityDays);
  const caNotBefore = caCert.notBefore.value;
  const caNotAfter = caCert.notAfter.value;
  if (validity.notBefore < caNotBefore || validity.notBefore > caNotAfter) {
    throw new AppError('input.invalid', 'the CA certificate is not valid at the requested time', {
      now: validity.notBefore.toISOString(),
      caNotBefore: caNotBefore.toISOString(),
      caNotAfter: caNotAfter.toISOString(),
    });
  }
  const notAfter = validity.notAfter > caNotAfter ? caNotAfter : validity.notAfter;

  const cert = newCertificate({
    subject,
    // The issuer must be byte-identical to the CA's subject, whatever string types the CA used.
    issuer: caCert.subject,
    publicKeyInfo,
    notBefore: validity.notBefore,
    notAfter,
  });
  const caKeyId = authorityKeyIdOf(caCert);
  const extensions = [
    extension(OID.basicConstraints, true, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    // digitalSignature (bit 0) + nonRepudiation/contentCommitment (bit 1).
    extension(OID.keyUsage, true, keyUsageBits([0, 1])),
    extension(
      OID.subjectKeyIdentifier,
      false,
      new asn1js.OctetString({ valueHex: keyIdentifier(publicKeyInfo) }),
    ),
    extension(
      OID.authorityKeyIdentifier,
      false,
      new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: caKeyId }),
      }).toSchema(),
    ),
  ];
  if (opts.profile === 'user-signing') {
    extensions.push(
      extension(
        OID.extKeyUsage,
        false,
        new pkijs.ExtKeyUsage({ keyPurposes: [OID.emailProtection] }).toSchema(),
      ),
    );
  }
  cert.extensions = extensions;

  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    caKey.export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  await cert.sign(signingKey, 'SHA-256', crypto);
  return derToPem('CERTIFICATE', Buffer.from(cert.toSchema(true).toBER(false)));
}

export function certificateInfo(pem: string): CertificateInfo {
  const der = pemToDer(pem, 'CERTIFICATE');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (error) {
    throw new AppError('input.invalid', 'not an X.509 certificate', {
      cause: errorMessage(error),
    });
  }
  const cert = parseCertificate(pem);
  return {
    // Node prints one attribute per line in certificate order; UTF-8 values come through as text.
    subject: x509.subject.split('\n').join(', '),
    issuer: x509.issuer.split('\n').join(', '),
    serialHex: x509.serialNumber.toLowerCase(),
    notBefore: cert.notBefore.value.toISOString(),
    notAfter: cert.notAfter.value.toISOString(),
    sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

// ---------------------------------------------------------------------------------------------
// Internals

type NameParts = Readonly<{ commonName: string; organization?: string; organizationalUnit?: string }>;

function buildName(parts: NameParts): pkijs.RelativeDistinguishedNames {
  const attributes: pkijs.AttributeTypeAndValue[] = [];
  const add = (
    field: keyof typeof NAME_LIMITS,
    oid: string,
    value: string | undefined,
    required: boolean,
  ) => {
    if (value === undefined && !required) return;
    const text = (value ?? '').normalize('NFC');
    if (text.trim().length === 0) throw new AppError('input.invalid', `${field} must not be empty`);
    if ([...text].length > NAME_LIMITS[field]) {
      throw new AppError('input.invalid', `${field} is longer than ${NAME_LIMITS[field]} characters`);
    }
    // UTF8String (RFC 5280 §4.1.2.4) so that Cyrillic and Arabic names survive every tool.
    attributes.push(
      new pkijs.AttributeTypeAndValue({ type: oid, value: new asn1js.Utf8String({ value: text }) }),
    );
  };
  add('organization', OID.organization, parts.organization, false);
  add('organizationalUnit', OID.organizationalUnit, parts.organizationalUnit, false);
  add('commonName', OID.commonName, parts.commonName, true);
  // One attribute per RDN. pkijs would put them all in a single multi-valued RDN ("O=… + CN=…"),
  // so the Name is encoded here and parsed back, which makes pkijs keep these exact bytes.
  const name = new asn1js.Sequence({
    value: attributes.map((attribute) => new asn1js.Set({ value: [attribute.toSchema()] })),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(name.toBER(false));
}

function validityWindow(now: Date, validityDays: number): { notBefore: Date; notAfter: Date } {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new AppError('input.invalid', 'now must be a valid date');
  }
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > 36_525) {
    throw new AppError('input.invalid', 'validityDays must be a whole number of days between 1 and 36525');
  }
  // X.509 times have whole seconds (RFC 5280 forbids fractional GeneralizedTime).
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  return { notBefore, notAfter: new Date(notBefore.getTime() + validityDays * DAY_MS) };
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function x509Time(date: Date): pkijs.Time {
  const type = date.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime;
  return new pkijs.Time({ type, value: date });
}

/** A random positive serial of 16 bytes whose first byte is 0x01–0x7f: positive and minimal DER. */
function randomSerial(): asn1js.Integer {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) % 0x7f) + 1;
  return new asn1js.Integer({ valueHex: bytes });
}

function newCertificate(parts: {
  subject: pkijs.RelativeDistinguishedNames;
  issuer: pkijs.RelativeDistinguishedNames;
  publicKeyInfo: pkijs.PublicKeyInfo;
  notBefore: Date;
  notAfter: Date;
}): pkijs.Certificate {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = randomSerial();
  cert.subject = parts.subject;
  cert.issuer = parts.issuer;
  cert.notBefore = x509Time(parts.notBefore);
  cert.notAfter = x509Time(parts.notAfter);
  cert.subjectPublicKeyInfo = parts.publicKeyInfo;
  return cert;
}

function extension(extnID: string, critical: boolean, value: asn1js.AsnType): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/** A DER KeyUsage BIT STRING: named bits with trailing zero bits removed (X.690 §11.2.2). */
function keyUsageBits(bits: readonly number[]): asn1js.BitString {
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) {
    const index = Math.floor(bit / 8);
    bytes[index] = (bytes[index] ?? 0) | (0x80 >> (bit % 8));
  }
  return new asn1js.BitString({ valueHex: bytes, unusedBits: 7 - (highest % 8) });
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
function keyIdentifier(publicKeyInfo: pkijs.PublicKeyInfo): Buffer {
  return createHash('sha1').update(publicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
}

function authorityKeyIdOf(caCert: pkijs.Certificate): Buffer {
  const ski = caCert.extensions?.find((ext) => ext.extnID === OID.subjectKeyIdentifier);
  if (ski !== undefined) {
    const parsed = asn1js.fromBER(ski.extnValue.valueBlock.valueHexView);
    if (parsed.result instanceof asn1js.OctetString)
      return Buffer.from(parsed.result.valueBlock.valueHexView);
  }
  // A CA without a subjectKeyIdentifier (allowed for imported CAs): derive it the same way.
  return keyIdentifier(caCert.subjectPublicKeyInfo);
}

function assertIsCa(caCert: pkijs.Certificate): void {
  const bc = caCert.extensions?.find((ext) => ext.extnID === OID.basicConstraints);
  const parsed = bc?.parsedValue as unknown;
  if (!(parsed instanceof pkijs.BasicConstraints) || parsed.cA !== true) {
    throw new AppError(
      'input.invalid',
      'the issuing certificate is not a CA (basicConstraints CA:true missing)',
    );
  }
}

function parseCertificate(pem: string): pkijs.Certificate {
  const der = pemToDer(pem, 'CERTIFICATE');
  try {
    return pkijs.Certificate.fromBER(der);
  } catch (error) {
    throw new AppError('input.invalid', 'not an X.509 certificate', {
      cause: errorMessage(error),
    });
  }
}

function parseP256PrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (error) {
    throw new AppError('input.invalid', 'the CA private key cannot be read', {
      cause: errorMessage(error),
    });
  }
  assertP256(key, 'the CA private key');
  return key;
}

function parseP256PublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new AppError('input.invalid', 'the subject public key cannot be read', {
      cause: errorMessage(error),
    });
  }
  assertP256(key, 'the subject public key');
  return key;
}

function assertP256(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new AppError('input.invalid', `${what} is not an ECDSA P-256 key`);
  }
}

function assertCaMatchesKey(caCertPem: string, caKey: KeyObject): void {
  const certSpki = new X509Certificate(pemToDer(caCertPem, 'CERTIFICATE')).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  const keySpki = createPublicKey(caKey).export({ type: 'spki', format: 'der' });
  if (!certSpki.equals(keySpki)) {
    throw new AppError('input.invalid', 'the CA private key does not belong to the CA certificate');
  }
}
