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
  | 'certificate';

export type RawArtifact = Readonly<{
  kind: ArtifactKind;
  /** e.g. `screenshot-01-of-04.png` */
  name: string;
  mediaType: string;
  /** Absolute path in workDir. */
  file: string;
  segment?: { index: number; count: number; top: number; height: number };
}>;

export type CaptureWarning = Readonly<{ code: string; message: string }>;
