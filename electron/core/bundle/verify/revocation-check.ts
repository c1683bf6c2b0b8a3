import { verify as verifySignature, type X509Certificate } from 'node:crypto';
import * as pkijs from 'pkijs';
import { DecisionRecord } from '@shared/domain/decision';
import { pemToDer } from '@core/custody/x509';
import type { BundleManifest } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { certOf } from './certificates';
import { checkOf, errorText, type VerifyCheck } from './check-list';

/** The CRL of keys/ca.pem as the exporting data dir last published it (`keys/ca.crl.pem` there). */
export const CRL_FILE = 'keys/ca.crl.pem';

type Crl = Readonly<{ thisUpdate: Date; revoked: ReadonlyMap<string, Date> }>;

const serialOf = (hex: string): string => hex.toLowerCase().replace(/^(00)+(?=.)/, '');

/** Parses the CRL and checks it is keys/ca.pem's: issuer name and signature (RFC 5280 §6.3.3 (f), (g)). */
function readCrl(pem: string, ca: X509Certificate): Crl {
  const crl = pkijs.CertificateRevocationList.fromBER(pemToDer(pem, 'X509 CRL'));
  const caCert = pkijs.Certificate.fromBER(ca.raw);
  if (!crl.issuer.isEqual(caCert.subject)) throw new Error('the CRL is not issued by keys/ca.pem');
  const signature = Buffer.from(crl.signatureValue.valueBlock.valueHexView);
  if (!verifySignature('sha256', Buffer.from(crl.tbsView), ca.publicKey, signature))
    throw new Error('the CRL signature does not verify under keys/ca.pem');
  const revoked = new Map<string, Date>();
  for (const r of crl.revokedCertificates ?? [])
    revoked.set(
      serialOf(Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex')),
      r.revocationDate.value,
    );
  return { thisUpdate: crl.thisUpdate.value, revoked };
}

function reviewerOf(ctx: BundleContext, manifest: BundleManifest, file: string) {
  try {
    const record = DecisionRecord.parse(JSON.parse(ctx.content(file)?.toString('utf8') ?? ''));
    const user = manifest.users.find((u) => u.certificateSha256 === record.reviewer.certificateSha256);
    const pem = user === undefined ? null : (ctx.content(user.certificate)?.toString('utf8') ?? null);
    const cert = pem === null ? null : certOf(pem);
    return cert === null ? null : { record, cert };
  } catch {
    // A record that does not parse, or a missing certificate, fails in decision.signature.
    return null;
  }
}

/** One decision against the CRL: its reviewer's certificate must not have been revoked when it was signed. */
function decisionLine(file: string, record: DecisionRecord, cert: X509Certificate, crl: Crl): VerifyCheck {
  const serial = serialOf(cert.serialNumber);
  const revokedAt = crl.revoked.get(serial);
  const signedAt = new Date(record.signedAt);
  const who = `reviewer ${record.reviewer.name} (certificate serial ${serial})`;
  if (revokedAt === undefined)
    return checkOf(
      'decision.revocation',
      file,
      true,
      `${who} not revoked in keys/ca.crl.pem of ${crl.thisUpdate.toISOString()}`,
    );
  // CRL times are whole seconds: a signature within the second of the revocation counts as after it.
  if (revokedAt.getTime() <= signedAt.getTime())
    return checkOf(
      'decision.revocation',
      file,
      false,
      `${who} was revoked at ${revokedAt.toISOString()}, before the decision was signed at ${record.signedAt}`,
    );
  return checkOf(
    'decision.revocation',
    file,
    true,
    `${who} revoked at ${revokedAt.toISOString()}, after the decision was signed at ${record.signedAt}`,
  );
}

/**
 * Revocation (RFC 5280 §6.3): the bundle carries the CRL of its CA; a decision whose reviewer's
 * certificate was revoked at or before the signing time fails. Decisions certified by other CAs
 * (imported ones) are not covered by this CRL and get no line here.
 */
export function checkRevocations(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  const bundled = ctx.keys.ca;
  if (bundled === null) return [];
  // keys/ca.crl.pem is the local CA's; with an organisation CA as keys/ca.pem the local CA travels as
  // keys/ca-<sha256>.pem, so the CRL is checked against the bundled CA whose name it carries.
  const ca = crlIssuerOf(ctx, bundled);
  const pem = ctx.content(CRL_FILE);
  if (pem === null)
    return [
      checkOf(
        'crl.signature',
        CRL_FILE,
        true,
        'the bundle carries no CRL of keys/ca.pem (its CA had published none): revocation of reviewer certificates was not checked',
      ),
    ];
  let crl: Crl;
  try {
    crl = readCrl(pem.toString('utf8'), ca);
  } catch (error) {
    return [checkOf('crl.signature', CRL_FILE, false, errorText(error))];
  }
  const out = [
    checkOf(
      'crl.signature',
      CRL_FILE,
      true,
      `CRL of keys/ca.pem issued ${crl.thisUpdate.toISOString()}, ${crl.revoked.size} revoked certificate(s)`,
    ),
  ];
  for (const d of manifest.decisions) {
    const found = reviewerOf(ctx, manifest, d.file);
    if (found === null || !found.cert.checkIssued(ca)) continue;
    out.push(decisionLine(d.file, found.record, found.cert, crl));
  }
  return out;
}

/** The bundled CA named as the CRL's issuer: keys/ca.pem unless another bundled CA's name matches. */
function crlIssuerOf(ctx: BundleContext, ca: X509Certificate): X509Certificate {
  const pem = ctx.content(CRL_FILE);
  if (pem === null) return ca;
  try {
    const crl = pkijs.CertificateRevocationList.fromBER(pemToDer(pem.toString('utf8'), 'X509 CRL'));
    const named = (c: X509Certificate) => crl.issuer.isEqual(pkijs.Certificate.fromBER(c.raw).subject);
    if (named(ca)) return ca;
    return ctx.keys.otherCas.find(named) ?? ca;
  } catch {
    // Reported by readCrl against keys/ca.pem.
    return ca;
  }
}
