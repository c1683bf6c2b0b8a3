import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { AppError, errorMessage } from '@shared/errors/app-error';
import { badResponse, errorText } from './tsa-errors';
import { OID } from './tsa-oids';
import { derToPem } from './x509';

/**
 * Reading RFC 3161 answers: a TimeStampResp down to its token, a token (CMS SignedData) down to its
 * TSTInfo, signer and certificates. Nothing here decides whether the token can be trusted: that is
 * `tsa-checks.ts`.
 */

export type TimestampInfo = Readonly<{
  genTime: string;
  serialHex: string;
  policy: string;
  /** OID of the imprint's hash algorithm (2.16.840.1.101.3.4.2.1 for SHA-256). */
  hashAlgorithm: string;
  imprintHex: string;
  nonceHex: string | null;
  tsaName: string | null;
  certificatesPem: string[];
}>;

export type TokenCertificate = { cert: pkijs.Certificate; der: Buffer };

export type ParsedToken = {
  signedData: pkijs.SignedData;
  signerInfo: pkijs.SignerInfo;
  tstInfo: pkijs.TSTInfo;
  tstInfoDer: Buffer;
  certificates: TokenCertificate[];
};

const FAIL_INFO_NAMES: readonly string[] = [
  'badAlg', // 0
  '',
  'badRequest', // 2
  '',
  '',
  'badDataFormat', // 5
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  'timeNotAvailable', // 14
  'unacceptedPolicy', // 15
  'unacceptedExtension', // 16
  'addInfoNotAvailable', // 17
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  'systemFailure', // 25
];

const STATUS_NAMES = [
  'granted',
  'grantedWithMods',
  'rejection',
  'waiting',
  'revocationWarning',
  'revocationNotification',
];

export function parseDer(bytes: Buffer, what: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes);
  if (parsed.offset === -1 || parsed.offset !== bytes.length) {
    throw badResponse(`${what} is not a single well-formed ASN.1 value`);
  }
  return parsed.result;
}

/** The token bytes of a DER TimeStampResp, after its PKIStatus says it was granted. */
export function tokenFromResponse(bytes: Buffer): Buffer {
  const root = parseDer(bytes, 'the TSA reply');
  let response: pkijs.TimeStampResp;
  try {
    response = new pkijs.TimeStampResp({ schema: root });
  } catch (error) {
    throw badResponse('the TSA reply is not a TimeStampResp', { cause: errorText(error) });
  }
  const status = response.status.status;
  if (status !== pkijs.PKIStatus.granted && status !== pkijs.PKIStatus.grantedWithMods) {
    throw rejection(response.status);
  }
  const token = root instanceof asn1js.Sequence ? root.valueBlock.value[1] : undefined;
  if (token === undefined || response.timeStampToken === undefined) {
    throw badResponse('the TSA granted the request but sent no token');
  }
  // The exact bytes the TSA signed and sent: stored tokens must never be re-encoded.
  return Buffer.from(token.valueBeforeDecodeView);
}

function rejection(statusInfo: pkijs.PKIStatusInfo): AppError {
  const status = statusInfo.status;
  const text = (statusInfo.statusStrings ?? []).map((s) => s.valueBlock.value).join('; ');
  const failInfo = statusInfo.failInfo ? failInfoNames(statusInfo.failInfo) : [];
  return new AppError(
    'tsa.rejected',
    `the TSA refused the request (${STATUS_NAMES[status] ?? `status ${status}`}${text ? `: ${text}` : ''}${
      failInfo.length > 0 ? `; ${failInfo.join(', ')}` : ''
    })`,
    { status, statusText: text || null, failInfo },
  );
}

/** Accepts a bare token (ContentInfo) or a whole TimeStampResp. */
export function unwrapToken(bytes: Buffer): Buffer {
  const root = parseDer(bytes, 'the time-stamp token');
  const first = root instanceof asn1js.Sequence ? root.valueBlock.value[0] : undefined;
  if (first instanceof asn1js.ObjectIdentifier) return bytes;
  if (first instanceof asn1js.Sequence) return tokenFromResponse(bytes);
  throw badResponse('not a time-stamp token or response');
}

export function parseToken(tokenDer: Buffer): ParsedToken {
  const root = parseDer(tokenDer, 'the time-stamp token');
  try {
    const contentInfo = new pkijs.ContentInfo({ schema: root });
    if (contentInfo.contentType !== OID.signedData) throw new Error('the token is not CMS SignedData');
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    if (signedData.encapContentInfo.eContentType !== OID.tstInfo)
      throw new Error('the token does not hold a TSTInfo');
    const eContent = signedData.encapContentInfo.eContent;
    if (eContent === undefined) throw new Error('the token has no TSTInfo content');
    const tstInfoDer = Buffer.from(eContent.getValue());
    const tstInfo = pkijs.TSTInfo.fromBER(tstInfoDer);
    // RFC 3161 §2.4.2: exactly one signer.
    const signerInfo = signedData.signerInfos[0];
    if (signedData.signerInfos.length !== 1 || signerInfo === undefined) {
      throw new Error('the token must have exactly one signer');
    }
    const certificates = (signedData.certificates ?? [])
      .filter((cert): cert is pkijs.Certificate => cert instanceof pkijs.Certificate)
      .map((cert) => ({ cert, der: Buffer.from(cert.toSchema().toBER(false)) }));
    return { signedData, signerInfo, tstInfo, tstInfoDer, certificates };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw badResponse(`malformed time-stamp token: ${errorMessage(error)}`);
  }
}

export function tokenInfo(token: ParsedToken): TimestampInfo {
  const { tstInfo } = token;
  return {
    genTime: tstInfo.genTime.toISOString(),
    serialHex: minimalUnsigned(tstInfo.serialNumber).toString('hex'),
    policy: tstInfo.policy,
    hashAlgorithm: tstInfo.messageImprint.hashAlgorithm.algorithmId,
    imprintHex: Buffer.from(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView).toString('hex'),
    nonceHex: tstInfo.nonce === undefined ? null : minimalUnsigned(tstInfo.nonce).toString('hex'),
    tsaName: tstInfo.tsa === undefined ? null : generalNameText(tstInfo.tsa),
    certificatesPem: token.certificates.map(({ der }) => derToPem('CERTIFICATE', der)),
  };
}

/** The magnitude bytes of a non-negative INTEGER, without DER's leading sign byte. */
export function minimalUnsigned(value: asn1js.Integer): Buffer {
  const bytes = Buffer.from(value.valueBlock.valueHexView);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  return bytes.subarray(start);
}

function failInfoNames(bits: asn1js.BitString): string[] {
  const bytes = bits.valueBlock.valueHexView;
  const names: string[] = [];
  for (let bit = 0; bit < bytes.length * 8; bit += 1) {
    if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) {
      names.push(FAIL_INFO_NAMES[bit] || `bit${bit}`);
    }
  }
  return names;
}

const NAME_KEYS: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function generalNameText(name: pkijs.GeneralName): string {
  const value: unknown = name.value;
  if (name.type === 4 && value instanceof pkijs.RelativeDistinguishedNames) {
    return value.typesAndValues
      .map((tv) => {
        const block: unknown = tv.value.valueBlock;
        const text =
          block !== null && typeof block === 'object' && 'value' in block && typeof block.value === 'string'
            ? block.value
            : Buffer.from(tv.value.valueBeforeDecodeView).toString('hex');
        return `${NAME_KEYS[tv.type] ?? tv.type}=${text}`;
      })
      .join(', ');
  }
  return typeof value === 'string' ? value : `[GeneralName ${name.type}]`;
}
