import type { CaptureRecord } from '@shared/domain/capture-record';
import type { BlobStore } from '../store/blob-store';
import { manifestDisagreements } from './manifest-agreement';

type Json = Record<string, unknown>;

const text = (value: unknown, fallback: string): string => (typeof value === 'string' ? value : fallback);

/** The row with the signed manifest's values in the fields a view shows and the agreement checks. */
function overlaid(record: CaptureRecord, manifest: Json, fields: readonly string[]): CaptureRecord {
  const page = (typeof manifest.page === 'object' && manifest.page !== null ? manifest.page : {}) as Json;
  const outcome = manifest.outcome;
  return {
    ...record,
    url: text(manifest.url, record.url),
    finalUrl: text(manifest.finalUrl, record.finalUrl),
    outcome:
      outcome === 'complete' || outcome === 'partial' || outcome === 'failed' ? outcome : record.outcome,
    startedAt: text(manifest.startedAt, record.startedAt),
    finishedAt: text(manifest.finishedAt, record.finishedAt),
    page: { ...record.page, title: text(page.title, record.page.title) },
    tampered: [...fields],
  };
}

/**
 * Each capture as a view may show it: held against its signed manifest (the record of the capture;
 * the database row is a copy for queries). A row that disagrees is flagged `tampered` with the
 * fields that differ and shown with the manifest's values; one whose manifest is missing or is not
 * the one the row names is flagged too (there is nothing signed to show instead).
 */
export async function checkedAgainstManifests(
  blobs: BlobStore,
  records: readonly CaptureRecord[],
): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  for (const record of records) {
    let bytes: Buffer;
    try {
      bytes = await blobs.read(record.manifestSha256);
    } catch {
      out.push({ ...record, tampered: ['manifest'] });
      continue;
    }
    const fields = manifestDisagreements(record, bytes);
    if (fields.length === 0) {
      out.push(record);
      continue;
    }
    let manifest: Json | null = null;
    if (!fields.includes('manifestSha256') && !fields.includes('manifest'))
      manifest = JSON.parse(bytes.toString('utf8')) as Json;
    out.push(manifest === null ? { ...record, tampered: fields } : overlaid(record, manifest, fields));
  }
  return out;
}

/** What a tampered flag means, in one line: shown from the signed manifest, the row disagrees. */
export const tamperedText = (fields: readonly string[]): string =>
  fields.some((f) => f === 'manifest' || f === 'manifestSha256')
    ? 'the signed manifest this record names is missing or damaged: nothing here is verified'
    : `the database row disagrees with the signed manifest (${fields.join(', ')}): shown as signed`;
