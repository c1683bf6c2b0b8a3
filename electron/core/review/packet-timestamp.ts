import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '@shared/errors/app-error';
import { inspectTimestampToken, requestTimestamp } from '../custody/tsa-client';
import { registerBlob } from '../db/repositories/blobs-repo';
import { latestDecision } from '../db/repositories/decisions-repo';
import { insertPacket, signedPacketOf } from '../db/repositories/packets-repo';
import { addDocumentTimestamp } from '../packet/pades-doc-timestamp';
import type { SettingsService } from '../settings/settings-service';
import type { Workspace } from '../workspace';

export type PacketTimestampResult = Readonly<{
  sha256: string;
  bytes: number;
  /** The packet of record that was time-stamped (its bytes are the first bytes of the new one). */
  previousSha256: string;
  decisionId: string;
  tsa: string;
  genTime: string;
  serialHex: string;
  /** Path of the stored blob. */
  file: string;
}>;

/**
 * Adds a PAdES document time-stamp to the packet of record of a resource's latest decision — the
 * remedy for a packet signed B-B because the TSA failed — and makes the result the new packet of
 * record (a new packets row; the old blob stays). Needs no one's key: the token proves when the
 * signed bytes existed, nothing about who signed them.
 */
export async function timestampResourcePacket(
  deps: Readonly<{ ws: Workspace; settings: SettingsService }>,
  resourceId: string,
  opts: Readonly<{ actor: string; tsaUrl?: string | null }>,
): Promise<PacketTimestampResult> {
  const { ws } = deps;
  const tsa = opts.tsaUrl ?? (await deps.settings.get()).tsaUrl;
  if (tsa === null)
    throw new AppError('input.invalid', 'no time-stamp authority configured: give --tsa URL or set one');
  const record = await ws.db.read(async (c) => {
    const decision = await latestDecision(c, resourceId);
    return decision === null ? null : signedPacketOf(c, decision.id);
  });
  if (record === null || record.decisionId === null)
    throw new AppError('input.invalid', `resource ${resourceId} has no signed packet to time-stamp`);
  const decisionId = record.decisionId;
  const original = await ws.blobs.read(record.sha256);
  let token: Buffer | null = null;
  const stamped = await addDocumentTimestamp(original, async (covered) => {
    const grant = await requestTimestamp({
      url: tsa,
      sha256: createHash('sha256').update(covered).digest(),
      timeoutMs: 30_000,
    });
    token = grant.token;
    return grant.token;
  });
  if (token === null) throw new AppError('tsa.bad-response', 'no time-stamp token was returned');
  const info = inspectTimestampToken(token);
  const workDir = await mkdtemp(join(ws.paths.tmp, 'packet-ts-'));
  try {
    const file = join(workDir, 'packet.pdf');
    await writeFile(file, stamped);
    const stored = await ws.blobs.putFile(file);
    const at = ws.clock().toISOString();
    await ws.record(async (tx, audit) => {
      await registerBlob(tx, stored, at);
      await insertPacket(tx, {
        ...record,
        sha256: stored.sha256,
        bytes: stored.bytes,
        renderedAt: at,
        renderedBy: opts.actor,
      });
      await audit({
        actor: opts.actor,
        action: 'packet.timestamped',
        subject: `resource:${resourceId}`,
        details: {
          sha256: stored.sha256,
          previousSha256: record.sha256,
          decisionId,
          tsa,
          genTime: info.genTime,
          serialHex: info.serialHex,
        },
      });
    });
    return {
      sha256: stored.sha256,
      bytes: stored.bytes,
      previousSha256: record.sha256,
      decisionId,
      tsa,
      genTime: info.genTime,
      serialHex: info.serialHex,
      file: stored.path,
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
