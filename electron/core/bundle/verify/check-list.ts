import { isAppError } from '@shared/errors/app-error';

/**
 * Every check a bundle verification reports. The ids are part of `vigil verify --json` and of the
 * text report, so they never change; a new check gets a new id here.
 */
export type BundleCheckId =
  | 'bundle.read'
  | 'bundle.bounds'
  | 'sums.present'
  | 'sums.format'
  | 'file.hash'
  | 'file.unlisted'
  | 'keys.workstation'
  | 'keys.ca'
  | 'keys.parse'
  | 'sums.signature'
  | 'manifest.parse'
  | 'manifest.files'
  | 'manifest.workstation'
  | 'sums.timestamp'
  | 'capture.unknown'
  | 'capture.manifest'
  | 'capture.record'
  | 'capture.signature'
  | 'capture.artifacts'
  | 'capture.timestamp'
  | 'capture.operator-signature'
  | 'capture.wacz'
  | 'decision.signature'
  | 'decision.certificate'
  | 'decision.captures'
  | 'packet.record'
  | 'custody.rows'
  | 'custody.migrated'
  | 'custody.head-timestamp'
  | 'anchor.ca'
  | 'anchor.decision'
  | 'crl.signature'
  | 'decision.revocation';

/** One line of the report: a check, the file it names (null for the bundle as a whole), its verdict. */
export type VerifyCheck = Readonly<{
  check: BundleCheckId;
  file: string | null;
  ok: boolean;
  message: string;
}>;

export const checkOf = (
  check: BundleCheckId,
  file: string | null,
  ok: boolean,
  message: string,
): VerifyCheck => ({
  check,
  file,
  ok,
  message,
});

export const errorText = (error: unknown): string =>
  isAppError(error)
    ? `${error.code}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);
