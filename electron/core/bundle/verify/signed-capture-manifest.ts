import { z } from 'zod';

/**
 * The fields of a signed capture manifest (captures/<id>/manifest.json) that verification holds
 * against the bundle: which capture it is, which workstation key signed it, and its artifacts. The
 * rest of the manifest is covered by its hash and signature, so it is not parsed here.
 */
export const SignedCaptureManifest = z.object({
  captureId: z.string(),
  workstation: z.object({ keyId: z.string() }),
  artifacts: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number() })),
});
export type SignedCaptureManifest = z.infer<typeof SignedCaptureManifest>;

/**
 * What the checks see of a capture manifest: its fields when it parses, else a problem and nothing
 * (no capture id, no key, no artifacts), so every file of the capture is then reported too.
 */
export type SignedManifestRead = Readonly<{
  problem: string | null;
  captureId: string | undefined;
  keyId: string | undefined;
  artifacts: SignedCaptureManifest['artifacts'];
}>;

const nothing = (problem: string): SignedManifestRead => ({
  problem,
  captureId: undefined,
  keyId: undefined,
  artifacts: [],
});

export function readSignedManifest(bytes: Buffer): SignedManifestRead {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return nothing('the capture manifest is not JSON');
  }
  const parsed = SignedCaptureManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
    return nothing(`not a capture manifest: ${where}${issue?.message ?? 'invalid'}`.slice(0, 300));
  }
  const { captureId, workstation, artifacts } = parsed.data;
  return { problem: null, captureId, keyId: workstation.keyId, artifacts };
}
