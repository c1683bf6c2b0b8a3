import type { BundleManifest } from '../bundle-format';
import { packetFile } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

type BundledDecision = BundleManifest['decisions'][number];

/** The decision in force on each resource: the latest signed (ties: the later one listed). */
function latestByResource(manifest: BundleManifest): Map<string, BundledDecision> {
  const latest = new Map<string, BundledDecision>();
  for (const d of manifest.decisions) {
    const seen = latest.get(d.resourceId);
    if (seen === undefined || d.signedAt >= seen.signedAt) latest.set(d.resourceId, d);
  }
  return latest;
}

/**
 * A court receives the packet its reviewer signed, not an unsigned copy rendered later: when the
 * decision in force names a packet of record, the resource's bundled packet must be exactly that file.
 * SHA256SUMS alone cannot tell, since a copy listed with its own hash would pass it.
 */
export function checkPacketOfRecord(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  const out: VerifyCheck[] = [];
  for (const [resourceId, decision] of latestByResource(manifest)) {
    const expected = decision.packetSha256;
    if (expected === undefined || expected === null) continue;
    const file = manifest.packets.find((p) => p.resourceId === resourceId)?.file ?? packetFile(resourceId);
    const bundled = ctx.files.get(file);
    if (bundled === undefined) {
      out.push(
        checkOf(
          'packet.record',
          file,
          false,
          `decision ${decision.id} has a signed packet (sha256 ${expected}) and the bundle does not carry it`,
        ),
      );
      continue;
    }
    // The hash SHA256SUMS lists: a byte changed after export is file.hash's failure, not this one's.
    const listed = ctx.listed.get(file) ?? bundled.sha256;
    const ok = listed === expected;
    out.push(
      checkOf(
        'packet.record',
        file,
        ok,
        ok
          ? `the packet of record of decision ${decision.id}, signed by ${decision.reviewer}`
          : `is not the packet of record of decision ${decision.id}: sha256 ${listed}, the signed packet is ${expected}`,
      ),
    );
  }
  return out;
}
