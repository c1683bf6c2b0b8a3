import { createPrivateKey, webcrypto } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError } from '@shared/errors/app-error';
import type { DataPaths } from '../data-dir';
import type { RevocationReason, StoredRevocation } from '../db/repositories/revocations-repo';
import { derToPem, pemToDer, pkiEngine, type LocalCa } from './x509';

/**
 * The local CA's certificate revocation list (RFC 5280 §5, X.509 v2 CRL), signed ECDSA P-256 /
 * SHA-256 by the CA key. `openssl crl -in keys/ca.crl.pem -CAfile keys/ca.crt.pem -verify` checks it;
 * PAdES B-LT packets and verifiers take it from `keys/ca.crl` (DER).
 */

const OID = {
  cRLNumber: '2.5.29.20',
  cRLReason: '2.5.29.21',
  authorityKeyIdentifier: '2.5.29.35',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

// RFC 5280 §5.3.1 CRLReason codes.
const REASON_CODE: Record<RevocationReason, number> = {
  keyCompromise: 1,
  superseded: 4,
  cessationOfOperation: 5,
};

/** How long a verifier may rely on this CRL before asking for a newer one (RFC 5280 §5.1.2.5). */
const NEXT_UPDATE_DAYS = 30;

const x509Time = (date: Date): pkijs.Time =>
  new pkijs.Time({
    type: date.getUTCFullYear() < 2050 ? pkijs.TimeType.UTCTime : pkijs.TimeType.GeneralizedTime,
    // CRL times are whole seconds, like certificate validity.
    value: new Date(Math.floor(date.getTime() / 1000) * 1000),
  });

const ext = (extnID: string, value: asn1js.AsnType): pkijs.Extension =>
  new pkijs.Extension({ extnID, critical: false, extnValue: value.toBER(false) });

function serialInteger(serialHex: string): asn1js.Integer {
  if (!/^[0-9a-f]+$/.test(serialHex)) throw new AppError('input.invalid', `bad serial ${serialHex}`);
  const hex = serialHex.length % 2 === 0 ? serialHex : `0${serialHex}`;
  return new asn1js.Integer({ valueHex: Buffer.from(hex, 'hex') });
}

export type BuildCrlOptions = Readonly<{
  ca: LocalCa;
  revoked: readonly StoredRevocation[];
  /** A number that grows with every CRL this CA issues (RFC 5280 §5.2.3). */
  crlNumber: number;
  now: Date;
}>;

/** The DER of a CRL listing every revoked serial with its date and reason. */
export async function buildCrl(opts: BuildCrlOptions): Promise<Buffer> {
  const caCert = pkijs.Certificate.fromBER(pemToDer(opts.ca.certPem, 'CERTIFICATE'));
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = caCert.subject;
  crl.thisUpdate = x509Time(opts.now);
  crl.nextUpdate = x509Time(new Date(opts.now.getTime() + NEXT_UPDATE_DAYS * 86_400_000));
  if (opts.revoked.length > 0) {
    crl.revokedCertificates = opts.revoked.map(
      (r) =>
        new pkijs.RevokedCertificate({
          userCertificate: serialInteger(r.serialHex),
          revocationDate: x509Time(new Date(r.revokedAt)),
          crlEntryExtensions: new pkijs.Extensions({
            extensions: [ext(OID.cRLReason, new asn1js.Enumerated({ value: REASON_CODE[r.reason] }))],
          }),
        }),
    );
  }
  const ski = caCert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  const extensions = [ext(OID.cRLNumber, new asn1js.Integer({ value: opts.crlNumber }))];
  if (ski !== undefined) {
    const keyId = asn1js.fromBER(ski.extnValue.valueBlock.valueHexView).result;
    if (keyId instanceof asn1js.OctetString) {
      extensions.push(
        ext(
          OID.authorityKeyIdentifier,
          new pkijs.AuthorityKeyIdentifier({ keyIdentifier: keyId }).toSchema(),
        ),
      );
    }
  }
  crl.crlExtensions = new pkijs.Extensions({ extensions });
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    createPrivateKey(opts.ca.keyPem).export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  await crl.sign(signingKey, 'SHA-256', pkiEngine());
  return Buffer.from((crl.toSchema(true) as asn1js.Sequence).toBER(false));
}

/** Replaces `keys/ca.crl` and `keys/ca.crl.pem` (each by an atomic rename: readers never see half). */
export async function publishCrl(paths: DataPaths, der: Buffer, tag: string): Promise<void> {
  for (const [path, content] of [
    [paths.caCrlDer, der],
    [paths.caCrlPem, derToPem('X509 CRL', der)],
  ] as const) {
    const tmp = `${path}.${tag}.tmp`;
    await writeFile(tmp, content, { mode: 0o644 });
    await rename(tmp, path);
  }
}
