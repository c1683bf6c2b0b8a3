import { createPublicKey, webcrypto, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { derToPem, pkiEngine } from './x509';

/**
 * A PKCS #10 certificate request (RFC 2986) for a key Vigil holds, signed ECDSA P-256 / SHA-256 by
 * that key (proof of possession), so an organisation's CA can certify it outside Vigil.
 * `openssl req -in F -noout -verify` checks it.
 */
export async function certificateRequestPem(
  privateKey: KeyObject,
  subject: Readonly<{ commonName: string; organization?: string }>,
): Promise<string> {
  const attribute = (type: string, value: string) =>
    new pkijs.AttributeTypeAndValue({ type, value: new asn1js.Utf8String({ value }) });
  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  // X.520: id-at-organizationName 2.5.4.10, id-at-commonName 2.5.4.3.
  csr.subject.typesAndValues = [
    ...(subject.organization !== undefined ? [attribute('2.5.4.10', subject.organization)] : []),
    attribute('2.5.4.3', subject.commonName),
  ];
  csr.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(
    createPublicKey(privateKey).export({ type: 'spki', format: 'der' }),
  );
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
  await csr.sign(signingKey, 'SHA-256', pkiEngine());
  return derToPem('CERTIFICATE REQUEST', Buffer.from(csr.toSchema().toBER(false)));
}
