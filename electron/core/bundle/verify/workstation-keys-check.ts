import type { KeyObject, X509Certificate } from 'node:crypto';
import { keyIdOf } from '@core/custody/signing';
import { NAMES } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { chainProblem, fingerprintOf } from './certificates';
import { checkOf, type VerifyCheck } from './check-list';

/** The workstation's certificate certifies its bundled key and chains to the bundled CA. */
function certificateCheck(
  key: KeyObject,
  cert: X509Certificate | null,
  ca: X509Certificate | null,
): VerifyCheck {
  if (cert === null)
    return checkOf(
      'keys.workstation',
      NAMES.workstationCert,
      false,
      'the workstation certificate is missing or unreadable',
    );
  const same = cert.publicKey
    .export({ type: 'spki', format: 'der' })
    .equals(key.export({ type: 'spki', format: 'der' }));
  const problem = !same
    ? 'certifies another key than keys/workstation.pub.pem'
    : ca === null
      ? 'cannot be checked without keys/ca.pem'
      : chainProblem(cert, [ca], new Date(cert.validFrom));
  return checkOf(
    'keys.workstation',
    NAMES.workstationCert,
    problem === null,
    problem ?? `workstation key ${keyIdOf(key)} certified by the bundled CA`,
  );
}

/** The workstation key, the CA certificate, and the workstation certificate between them. */
export function checkWorkstationKeys(ctx: BundleContext): VerifyCheck[] {
  const { workstationPem, workstationKey, workstationCert, ca } = ctx.keys;
  const out: VerifyCheck[] = [];
  if (workstationPem === null)
    out.push(
      checkOf('keys.workstation', NAMES.workstationPub, false, 'the workstation public key is missing'),
    );
  else if (workstationKey === null)
    out.push(checkOf('keys.workstation', NAMES.workstationPub, false, 'not a public key'));
  if (ca === null)
    out.push(checkOf('keys.ca', NAMES.caCert, false, 'the CA certificate is missing or unreadable'));
  else
    out.push(
      checkOf(
        'keys.ca',
        NAMES.caCert,
        true,
        `CA ${ca.subject.replace(/\n/g, ', ')} sha256 ${fingerprintOf(ca)}`,
      ),
    );
  if (workstationKey !== null) out.push(certificateCheck(workstationKey, workstationCert, ca));
  return out;
}

/** Every intact keys/*.pub.pem is a public key (the captures' signatures are checked against them). */
export function checkKeyFiles(ctx: BundleContext): VerifyCheck[] {
  return ctx.keys.unreadable.map((name) => checkOf('keys.parse', name, false, 'not a public key'));
}
