import { z } from 'zod';
import { CaptureContextV2 } from '@shared/domain/capture-record';
import { canonicalJson } from '../custody/canonical-json';

/**
 * The capture manifest (DESIGN §4 step 5): canonical JSON that names every artifact by SHA-256 and
 * carries the full capture context. Its exact bytes are what the workstation signs and the TSA
 * time-stamps, so anyone can check it with `sha256sum`, `openssl dgst` and `openssl ts`.
 */
export const MANIFEST_FORMAT = 'vigil-capture-manifest/2';

export type ManifestArtifact = Readonly<{
  kind: string;
  name: string;
  mediaType: string;
  bytes: number;
  sha256: string;
  segment?: Readonly<{ index: number; count: number; top: number; height: number }>;
  /** What the file is a transformation of and how it was made (derivations.ts); sealing requires both. */
  derivedFrom?: readonly string[];
  method?: string;
}>;

export type CaptureManifest = Readonly<{
  format: typeof MANIFEST_FORMAT;
  captureId: string;
  resourceId: string;
  url: string;
  finalUrl: string;
  outcome: 'complete' | 'partial' | 'failed';
  error?: Readonly<{ code: string; message: string }>;
  startedAt: string;
  finishedAt: string;
  http: unknown;
  redirects: unknown;
  tls?: unknown;
  /** Every HTTPS origin of the page with its certificate (origin-certificates.ts). */
  certificates?: unknown;
  certificateErrorsIgnored: boolean;
  page: unknown;
  context: unknown;
  dialogs: unknown;
  popups: unknown;
  downloads: unknown;
  warnings: readonly Readonly<{ code: string; message: string }>[];
  artifacts: readonly ManifestArtifact[];
  workstation: Readonly<{ name: string; keyId: string }>;
  /** The server address of every response of the load (from the recorded exchanges, as in the WARC). */
  servers?: readonly Readonly<{ url: string; status: number; address: string | null }>[];
  /** A restricted capture (restriction.ts): the flag, every withheld medium with its hashes, and how. */
  restricted?: true;
  suspectedCsam?: unknown;
  withheld?: unknown;
  restriction?: unknown;
}>;

const text = z.string().min(1);
/**
 * What a manifest sealed since provenance version 2 must hold. Sealing checks the manifest against
 * it before signing, so a capture can never be sealed with a provenance field missing (a unit test
 * deletes each one in turn). The check only validates: the bytes signed are the manifest as built.
 * Manifests of format `/1` (sealed before) are not held to it.
 */
export const CaptureManifestV2 = z.object({
  format: z.literal(MANIFEST_FORMAT),
  captureId: text,
  resourceId: text,
  url: text,
  finalUrl: text,
  outcome: z.enum(['complete', 'partial', 'failed']),
  startedAt: text,
  finishedAt: text,
  http: z.object({ remoteAddress: z.string().nullable() }),
  context: CaptureContextV2,
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  artifacts: z.array(
    z.object({
      kind: text,
      name: text,
      mediaType: text,
      bytes: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      derivedFrom: z.array(z.string()),
      method: text,
    }),
  ),
  workstation: z.object({ name: text, keyId: text }),
  servers: z.array(z.object({ url: text, status: z.number().int(), address: z.string().nullable() })),
});

export const manifestBytes = (manifest: CaptureManifest): Buffer =>
  Buffer.from(canonicalJson(manifest), 'utf8');
