import type { CaptureRecord } from '@shared/domain/capture-record';
import { AppError } from '@shared/errors/app-error';

/**
 * Separation of duties by signature (DESIGN §1): a reviewer whose key co-signed a capture manifest the
 * decision relies on cannot sign the decision, whatever name the capture records as its operator.
 * Key ids are the SHA-256 of the public key, so a role change (a new certificate for the same key)
 * does not clear a reviewer of what their key signed.
 */
export function refuseOwnSignedCaptures(
  reviewer: string,
  reviewerKeyId: string,
  captures: readonly CaptureRecord[],
): void {
  const own = captures.filter((r) => r.operatorSignature?.keyId === reviewerKeyId);
  if (own.length > 0)
    throw new AppError(
      'review.signed-own-capture',
      `${reviewer}'s key co-signed evidence this decision relies on (${own.map((r) => r.id).join(', ')}); another reviewer must decide`,
      { reviewer, captures: own.map((r) => r.id) },
    );
}
