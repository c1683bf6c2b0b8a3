import { canonicalJson } from '../custody/canonical-json';

/**
 * The capture manifest (DESIGN §4 step 5): canonical JSON that names every artifact by SHA-256 and
 * carries the full capture context. Its exact bytes are what the workstation signs and the TSA
 * time-stamps, so anyone can check it with `sha256sum`, `openssl dgst` and `openssl ts`.
 */
export const MANIFEST_FORMAT = 'vigil-capture-manifest/1';

export type ManifestArtifact = Readonly<{
  kind: string;
  name: string;
  mediaType: string;
  bytes: number;
  sha256: string;
  segment?: Readonly<{ index: number; count: number; top: number; height: number }>;
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
  certificateErrorsIgnored: boolean;
  page: unknown;
  context: unknown;
  dialogs: unknown;
  popups: unknown;
  downloads: unknown;
  warnings: readonly Readonly<{ code: string; message: string }>[];
  artifacts: readonly ManifestArtifact[];
  workstation: Readonly<{ name: string; keyId: string }>;
}>;

export const manifestBytes = (manifest: CaptureManifest): Buffer =>
  Buffer.from(canonicalJson(manifest), 'utf8');
