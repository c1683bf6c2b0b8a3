import type { BundleVerifyReport } from '@shared/contract/methods/bundle';
import type { BundleManifest } from './bundle-format';
import { checkAnchors } from './verify/anchor-check';
import { anchoredContext, NO_ANCHORS, type VerifyAnchors } from './verify/anchors';
import { manifestOf, openBundleContext, type BundleContext } from './verify/bundle-context';
import { checkCaptureRecords } from './verify/capture-record-check';
import { checkCaptures } from './verify/captures-check';
import type { VerifyCheck } from './verify/check-list';
import { checkCustody, checkMigratedCustody } from './verify/custody-check';
import { checkDecisions } from './verify/decisions-check';
import { checkHeadTimestamps } from './verify/head-timestamps-check';
import { checkLayout } from './verify/layout-check';
import { checkBundleManifest } from './verify/manifest-check';
import { checkOperatorSignatures } from './verify/operator-signature-check';
import { checkPacketOfRecord } from './verify/packet-record-check';
import { checkRevocations } from './verify/revocation-check';
import { checkSumsSignature } from './verify/sums-signature-check';
import { checkSums } from './verify/sums-check';
import { checkSumsTimestamp } from './verify/timestamp-check';
import { checkBundledWaczs } from './verify/wacz-check';
import { checkKeyFiles, checkWorkstationKeys } from './verify/workstation-keys-check';

/**
 * Offline verification of a court bundle (DESIGN §8): every file re-hashed and held against
 * SHA256SUMS (nothing missing, nothing extra), the signature of SHA256SUMS by the bundled workstation
 * key, its time-stamp, every capture manifest (hash, signature, artifact list, time-stamp), every
 * decision signature and its reviewer's certificate chain, and the custody rows' hashes. Every check is
 * one line naming its file; the bundle passes only when every line passes.
 */

type Checker = (ctx: BundleContext) => readonly VerifyCheck[];
type ManifestChecker = (ctx: BundleContext, manifest: BundleManifest) => readonly VerifyCheck[];

/** The checkers of the bundle's own files, in the order of the report. */
const BUNDLE_CHECKERS: readonly Checker[] = [
  checkLayout,
  checkSums,
  checkWorkstationKeys,
  checkSumsSignature,
  checkBundleManifest,
  checkSumsTimestamp,
  checkHeadTimestamps,
];

/** The checkers of what manifest.json names; they run only when it parses, in this order. */
const MANIFEST_CHECKERS: readonly ManifestChecker[] = [
  checkKeyFiles,
  checkCaptures,
  checkCaptureRecords,
  checkOperatorSignatures,
  checkDecisions,
  checkPacketOfRecord,
  checkRevocations,
  checkCustody,
  checkMigratedCustody,
];

/**
 * `anchors` are the verifier's own (`--trust-ca`, `--tsa-ca`); without them the report says that
 * trust rests only on the bundle's own certificates (`anchoredTo: null`).
 */
export async function verifyBundle(
  path: string,
  anchors: VerifyAnchors = NO_ANCHORS,
  signal?: AbortSignal,
): Promise<BundleVerifyReport> {
  const ctx = anchoredContext(await openBundleContext(path, signal), anchors);
  const checks = BUNDLE_CHECKERS.flatMap((checker) => checker(ctx));
  const manifest = manifestOf(ctx);
  if (manifest !== null) checks.push(...MANIFEST_CHECKERS.flatMap((checker) => checker(ctx, manifest)));
  // Each bundled WACZ is read again from the bundle and checked as `vigil verify FILE.wacz` does.
  if (manifest !== null) checks.push(...(await checkBundledWaczs(path, ctx)));
  const anchored = checkAnchors(ctx, manifest, anchors);
  checks.push(...anchored.checks);
  return { ok: checks.every((x) => x.ok), checks, anchoredTo: anchored.anchoredTo };
}

/** One line per check: `OK|FAIL  check  file  message`. */
export function formatReport(report: BundleVerifyReport): string {
  const lines = report.checks.map(
    (x) => `${x.ok ? 'OK  ' : 'FAIL'}  ${x.check.padEnd(20)} ${(x.file ?? '-').padEnd(40)} ${x.message}`,
  );
  const failed = report.checks.filter((x) => !x.ok).length;
  if (report.anchoredTo !== undefined)
    lines.push(
      report.anchoredTo === null
        ? "anchored to: the bundle's own certificates (trust is only self-consistent; see --trust-ca)"
        : `anchored to: ${report.anchoredTo.map((a) => `${a.subject} (SHA-256 fingerprint ${a.sha256})`).join('; ') || 'no given anchor'}`,
    );
  lines.push(
    report.ok
      ? `bundle verified: all ${report.checks.length} checks passed`
      : `BUNDLE FAILED: ${failed} of ${report.checks.length} checks failed`,
  );
  return `${lines.join('\n')}\n`;
}
