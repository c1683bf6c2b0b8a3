import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError } from '@shared/errors/app-error';
import { checkChain, checkImprint, checkNonce, checkSignature } from './tsa-checks';
import { checkPolicy } from './tsa-policy';
import { buildTimestampRequest, randomNonce } from './tsa-request';
import {
  parseDer,
  parseToken,
  tokenFromResponse,
  tokenInfo,
  unwrapToken,
  type TimestampInfo,
} from './tsa-token';
import { assertTimeout, parseTsaUrl, postTimestampQuery } from './tsa-transport';
import { pemBlocks } from './x509';

/**
 * RFC 3161 time-stamping: ask a TSA to vouch that a SHA-256 digest existed at a given time, check
 * everything about its answer before trusting it, and read stored tokens back later. A token that
 * passes here also passes `openssl ts -verify`, which is how a court checks it without Vigil.
 *
 * This module composes the parts: `tsa-request` (the query), `tsa-transport` (the HTTP POST),
 * `tsa-token` (reading the answer) and `tsa-checks` (deciding whether to trust it).
 */

export type { TimestampInfo } from './tsa-token';

export type TimestampGrant = Readonly<{
  /** DER ContentInfo (the TimeStampToken), exactly as the TSA sent it. */
  token: Buffer;
  /** ISO-8601 UTC with milliseconds. */
  genTime: string;
  tsaName: string | null;
  serialHex: string;
  policy: string;
  certificatesPem: string[];
  /** The DER TimeStampReq that was sent: kept beside the token so a later verifier can recheck the nonce. */
  query: Buffer;
}>;

export type RequestTimestampOptions = Readonly<{
  url: string;
  sha256: Buffer;
  timeoutMs: number;
  nonce?: Buffer;
  /** The configured TSA root: the signer must chain to it (checked before the token is kept). */
  trustedCertsPem?: readonly string[];
  /** The configured policy OID: a token under another policy fails with `tsa.policy-mismatch`. */
  policyOid?: string | null;
}>;

export async function requestTimestamp(opts: RequestTimestampOptions): Promise<TimestampGrant> {
  const url = parseTsaUrl(opts.url);
  assertTimeout(opts.timeoutMs);
  const nonce = opts.nonce ?? randomNonce();
  const query = buildTimestampRequest(opts.sha256, nonce);

  const tokenDer = tokenFromResponse(await postTimestampQuery(url, query, opts.timeoutMs));
  const token = parseToken(tokenDer);
  checkImprint(token.tstInfo, opts.sha256);
  checkNonce(token.tstInfo, nonce);
  const signer = checkSignature(token);
  if (opts.trustedCertsPem !== undefined) checkChain(signer, token, trustAnchors(opts.trustedCertsPem));

  const info = tokenInfo(token);
  checkPolicy(info.policy, opts.policyOid);
  return {
    token: tokenDer,
    genTime: info.genTime,
    tsaName: info.tsaName,
    serialHex: info.serialHex,
    policy: info.policy,
    certificatesPem: info.certificatesPem,
    query,
  };
}

/**
 * Reads a stored token (a DER ContentInfo, or a whole TimeStampResp as `openssl ts -reply` writes
 * it) without checking its signature. With `expectedSha256` it also requires the imprint to match.
 */
export function inspectTimestampToken(token: Buffer, expectedSha256?: Buffer): TimestampInfo {
  const parsed = parseToken(unwrapToken(token));
  if (expectedSha256 !== undefined) checkImprint(parsed.tstInfo, expectedSha256);
  return tokenInfo(parsed);
}

/**
 * Full offline check of a stored token: imprint, CMS signature, the signer's id-kp-timeStamping
 * certificate and its ESS binding, and — when trusted certificates are given — a chain from the
 * signer to one of them, valid at the token's genTime. Throws the same codes as requestTimestamp.
 */
export function verifyTimestampToken(
  token: Buffer,
  sha256: Buffer,
  trustedCertsPem?: readonly string[],
  policyOid?: string | null,
): TimestampInfo {
  const parsed = parseToken(unwrapToken(token));
  checkImprint(parsed.tstInfo, sha256);
  const signer = checkSignature(parsed);
  if (trustedCertsPem !== undefined) checkChain(signer, parsed, trustAnchors(trustedCertsPem));
  const info = tokenInfo(parsed);
  checkPolicy(info.policy, policyOid);
  return info;
}

function trustAnchors(trustedCertsPem: readonly string[]): X509Certificate[] {
  const anchors = trustedCertsPem.flatMap((pem) =>
    pemBlocks(pem)
      .filter((block) => block.label === 'CERTIFICATE')
      .map((block) => new X509Certificate(block.der)),
  );
  if (anchors.length === 0) throw new AppError('input.invalid', 'no trusted certificate was given');
  return anchors;
}

/**
 * A token wrapped as a granted TimeStampResp — the `.tsr` form that `openssl ts -verify -in` reads
 * without `-token_in`. The PKIStatusInfo is not signed by the TSA, so wrapping changes no evidence:
 * the token bytes inside are the ones the TSA sent.
 */
export function timestampResponseFromToken(token: Buffer): Buffer {
  const tokenDer = unwrapToken(token);
  const response = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.Integer({ value: pkijs.PKIStatus.granted })] }),
      parseDer(tokenDer, 'the time-stamp token'),
    ],
  });
  return Buffer.from(response.toBER(false));
}
