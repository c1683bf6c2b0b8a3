import type { CaptureRecord } from '@shared/domain/capture-record';
import { sha256Hex } from '../custody/signing';

/**
 * The signed capture manifest is the record of a capture; the `captures` row is a copy kept for
 * queries. Anything shown or exported from the row must agree with the manifest whose hash the row
 * names: a row edited in the database (a changed title, URL or outcome) is tampered, never evidence.
 * Returns the fields that disagree (empty when the row and its manifest agree).
 */
export function manifestDisagreements(record: CaptureRecord, manifestBytes: Buffer): string[] {
  if (sha256Hex(manifestBytes) !== record.manifestSha256) return ['manifestSha256'];
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return ['manifest'];
  }
  const out: string[] = [];
  const same = (field: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(field);
  };
  same('id', record.id, manifest.captureId);
  same('resourceId', record.resourceId, manifest.resourceId);
  same('url', record.url, manifest.url);
  same('finalUrl', record.finalUrl, manifest.finalUrl);
  same('outcome', record.outcome, manifest.outcome);
  same('startedAt', record.startedAt, manifest.startedAt);
  same('finishedAt', record.finishedAt, manifest.finishedAt);
  const page = (manifest.page ?? {}) as Record<string, unknown>;
  same('page.title', record.page.title, page.title);
  const signed = new Set(
    (Array.isArray(manifest.artifacts) ? (manifest.artifacts as { sha256?: unknown }[]) : []).map(
      (a) => a.sha256,
    ),
  );
  const held = new Set(record.artifacts.map((a) => a.sha256));
  if ([...signed].some((sha) => !held.has(sha as string))) out.push('artifacts');
  return out;
}
