import * as pkijs from 'pkijs';
import { AppError } from '@shared/errors/app-error';
import { checkImprint, checkNonce } from './tsa-checks';
import { OID } from './tsa-oids';
import { minimalUnsigned, parseDer, parseToken, unwrapToken } from './tsa-token';

/**
 * Rechecks a kept TimeStampReq (`.tsq`) against its token (`.tsr`), as `openssl ts -verify -queryfile`
 * does: the query asked for this SHA-256 imprint, and the token echoes the query's nonce (RFC 3161
 * §2.4.2), so the token answers this very request and was not taken for another one.
 */
export function recheckQuery(query: Buffer, token: Buffer, sha256: Buffer): void {
  let request: pkijs.TimeStampReq;
  try {
    request = new pkijs.TimeStampReq({ schema: parseDer(query, 'the time-stamp query') });
  } catch (error) {
    throw new AppError('tsa.bad-response', `the kept time-stamp query does not parse: ${String(error)}`);
  }
  const imprint = request.messageImprint;
  const asked = Buffer.from(imprint.hashedMessage.valueBlock.valueHexView);
  if (imprint.hashAlgorithm.algorithmId !== OID.sha256 || !asked.equals(sha256))
    throw new AppError('tsa.imprint-mismatch', 'the kept time-stamp query asked for other data');
  const parsed = parseToken(unwrapToken(token));
  checkImprint(parsed.tstInfo, sha256);
  if (request.nonce === undefined)
    throw new AppError('tsa.nonce-mismatch', 'the kept time-stamp query carries no nonce');
  checkNonce(parsed.tstInfo, minimalUnsigned(request.nonce));
}
