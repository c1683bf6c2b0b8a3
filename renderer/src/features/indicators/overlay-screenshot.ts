import type { Restriction } from '@shared/domain/capture-record';

type ShotLike = Readonly<{ kind: string; segment?: Readonly<{ index: number }> | undefined }>;

/**
 * The screenshot the indicator boxes are drawn over: the first full-page segment (boxes are in its
 * pixels). A restricted capture's only screenshot is the one with media replaced by placeholders; when
 * it was not taken or was withdrawn after a late match there is nothing to draw over, and an
 * unrestricted-looking artifact on such a capture is never used.
 */
export function overlayScreenshot<A extends ShotLike>(
  capture: Readonly<{
    artifacts: readonly A[];
    restricted?: true | undefined;
    restriction?: Restriction | undefined;
  }>,
): A | undefined {
  if (capture.restricted === true && capture.restriction?.screenshots !== 'placeholders') return undefined;
  return capture.artifacts.find((a) => a.kind === 'screenshot' && (a.segment?.index ?? 0) <= 1);
}
