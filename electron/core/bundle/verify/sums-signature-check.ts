import { keyIdOf, verifyEs256 } from '@core/custody/signing';
import { NAMES } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

/** SHA256SUMS.sig: the signature of SHA256SUMS by the bundled workstation key. */
export function checkSumsSignature(ctx: BundleContext): VerifyCheck[] {
  const sig = ctx.content(NAMES.sumsSig);
  const key = ctx.keys.workstationKey;
  if (sig === null) return [checkOf('sums.signature', NAMES.sumsSig, false, 'SHA256SUMS.sig is missing')];
  if (ctx.sumsBytes === null || key === null) return [];
  const ok = verifyEs256(key, ctx.sumsBytes, sig);
  return [
    // Either file may be the changed one: both are named.
    ...(ok
      ? []
      : [checkOf('sums.signature', NAMES.sums, false, 'does not match its signature (SHA256SUMS.sig)')]),
    checkOf(
      'sums.signature',
      NAMES.sumsSig,
      ok,
      ok
        ? `SHA256SUMS signed by workstation key ${keyIdOf(key)}`
        : 'the signature does not verify for SHA256SUMS under keys/workstation.pub.pem',
    ),
  ];
}
