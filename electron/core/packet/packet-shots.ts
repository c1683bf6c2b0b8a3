import type { CaptureRecord } from '@shared/domain/capture-record';
import type { PacketScreenshot } from './packet-model';

type Size = Readonly<{ width: number; height: number }>;

/**
 * The screenshots a packet lays out for one capture, in segment order. Where the capture has the
 * derived `screenshot-captioned` copy (final URL, UTC capture time and capture id in a band above
 * the screenshot's own rows, on the first segment), that copy is shown in place of the first
 * segment, so every printed page names what it shows; the original screenshot stays the evidence:
 * its bytes are what the packet attaches (`original`), and the copy is never described as it.
 */
export async function packetScreenshots(
  record: Pick<CaptureRecord, 'artifacts'>,
  sizeOf: (path: string) => Promise<Size>,
): Promise<PacketScreenshot[]> {
  const shots = record.artifacts
    .filter((a) => a.kind === 'screenshot')
    .sort((a, b) => (a.segment?.index ?? 0) - (b.segment?.index ?? 0));
  const captioned = record.artifacts.find((a) => a.kind === 'screenshot-captioned');
  const out: PacketScreenshot[] = [];
  for (const [i, a] of shots.entries()) {
    const label = a.segment ? `${a.name} (${a.segment.index + 1}/${a.segment.count})` : a.name;
    if (i === 0 && captioned !== undefined) {
      out.push({
        file: captioned.path,
        ...(await sizeOf(captioned.path)),
        label: captioned.name,
        original: { file: a.path, label },
      });
      continue;
    }
    out.push({ file: a.path, ...(await sizeOf(a.path)), label });
  }
  return out;
}
