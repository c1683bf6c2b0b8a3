import { sha256Hex } from '@core/custody/signing';
import { verifyTimestampToken, type TimestampInfo } from '@core/custody/tsa-client';
import { NAMES } from '../bundle-format';
import { manifestOf, type BundleContext, type BundledTsa } from './bundle-context';
import { checkTokenForm } from './certificates';
import { checkOf, errorText, type VerifyCheck } from './check-list';

export type TokenVerdict =
  Readonly<{ ok: true; info: TimestampInfo }> | Readonly<{ ok: false; problem: string }>;

/** A stored token over `sha256Hex`, trusted only through the bundled TSA root and in its stored form. */
export function verifyBundledToken(token: Buffer, sha256: string, tsa: BundledTsa): TokenVerdict {
  try {
    if (tsa.ca === null)
      throw new Error('tsa/ca.pem is missing, so the token cannot be traced to its authority');
    const info = verifyTimestampToken(token, Buffer.from(sha256, 'hex'), [tsa.ca]);
    checkTokenForm(token, tsa.pems);
    return { ok: true, info };
  } catch (error) {
    return { ok: false, problem: errorText(error) };
  }
}

/** SHA256SUMS.tsr: present when manifest.json says the bundle was time-stamped, and over SHA256SUMS. */
export function checkSumsTimestamp(ctx: BundleContext): VerifyCheck[] {
  const tsr = ctx.content(NAMES.sumsTsr);
  if (tsr === null) {
    const manifest = manifestOf(ctx);
    return manifest !== null && manifest.timestamp !== null
      ? [
          checkOf(
            'sums.timestamp',
            NAMES.sumsTsr,
            false,
            'manifest.json says the bundle was time-stamped, but SHA256SUMS.tsr is missing',
          ),
        ]
      : [
          checkOf(
            'sums.timestamp',
            NAMES.sumsTsr,
            true,
            'not time-stamped (no TSA was configured at export)',
          ),
        ];
  }
  if (ctx.sumsBytes === null) return [];
  const verdict = verifyBundledToken(tsr, sha256Hex(ctx.sumsBytes), ctx.tsa);
  return [
    verdict.ok
      ? checkOf(
          'sums.timestamp',
          NAMES.sumsTsr,
          true,
          `SHA256SUMS time-stamped at ${verdict.info.genTime} by ${verdict.info.tsaName ?? 'the TSA'}`,
        )
      : checkOf('sums.timestamp', NAMES.sumsTsr, false, verdict.problem),
  ];
}
