import type { CaptureRecord } from '@shared/domain/capture-record';
import type { BlobStore } from '../store/blob-store';
import { inspectTimestampToken } from './tsa-client';

/**
 * A granted capture token's serial number and the authority's name, read from the stored token
 * itself (RFC 3161 TSTInfo `serialNumber` and `tsa`), so that a token granted by a later retry shows
 * them as well as one granted while sealing. A token that cannot be read leaves the record as it is:
 * the bundle verifier and `vigil audit verify` are where a bad token is reported.
 */
export async function withTokenDetails(
  blobs: BlobStore,
  records: readonly CaptureRecord[],
): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  for (const record of records) {
    const ts = record.timestamp;
    if (ts.status !== 'granted' || ts.tokenSha256 === undefined) {
      out.push(record);
      continue;
    }
    try {
      const info = inspectTimestampToken(await blobs.read(ts.tokenSha256));
      out.push({
        ...record,
        timestamp: {
          ...ts,
          serialHex: info.serialHex,
          ...(info.tsaName !== null ? { tsaName: info.tsaName } : {}),
        },
      });
    } catch {
      out.push(record);
    }
  }
  return out;
}
