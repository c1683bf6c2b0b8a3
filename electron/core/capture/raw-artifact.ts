/** What one capture leaves in its work directory, before sealing puts it in the blob store. */
export type ArtifactKind =
  | 'screenshot'
  | 'screenshot-viewport'
  | 'mhtml'
  | 'dom'
  | 'text'
  | 'wacz'
  | 'metadata'
  | 'console'
  | 'certificate'
  | 'document-raw'
  | 'screenshot-captioned'
  | 'layout';

export type RawArtifact = Readonly<{
  kind: ArtifactKind;
  /** e.g. `screenshot-01-of-04.png` */
  name: string;
  mediaType: string;
  /** Absolute path in workDir. */
  file: string;
  segment?: { index: number; count: number; top: number; height: number };
  /** What this file is a transformation of, and how it was made; derivations.ts fills known kinds. */
  derivedFrom?: readonly string[];
  method?: string;
}>;

export type CaptureWarning = Readonly<{ code: string; message: string }>;
