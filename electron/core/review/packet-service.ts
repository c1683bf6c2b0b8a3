import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Browser } from 'puppeteer-core';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { DecisionRecord } from '@shared/domain/decision';
import type { Language } from '@shared/domain/resources';
import { AppError, isAppError } from '@shared/errors/app-error';
import { createBrowserProvider, findBrowser } from '../capture/browser-provider';
import type { ReadConn } from '../db/database';
import { registerBlob } from '../db/repositories/blobs-repo';
import { getCapture, listCaptures } from '../db/repositories/captures-repo';
import { custodyRowsFor } from '../db/repositories/audit-repo';
import { latestDecision, listDecisions } from '../db/repositories/decisions-repo';
import { insertPacket } from '../db/repositories/packets-repo';
import { getResourceSummary } from '../db/repositories/resources-repo';
import type { PacketCapture, PacketModel, PacketTimestampToken } from '../packet/packet-model';
import { renderPacket, type RenderedPacket } from '../packet/render-packet';
import { packetScreenshots } from '../packet/packet-shots';
import { inspectTimestampToken, requestTimestamp } from '../custody/tsa-client';
import type { SettingsService } from '../settings/settings-service';
import type { SigningIdentity } from '../users/users-service';
import type { BlobStore } from '../store/blob-store';
import type { Workspace } from '../workspace';
import { occurrencesOfResources } from '../db/repositories/indicators-repo';

export type PacketServiceDeps = Readonly<{
  ws: Workspace;
  settings: SettingsService;
  /** A running Chromium; the caller owns it. */
  browser: Browser;
}>;

export type ResourcePacketOptions = Readonly<{
  /** Who asked for the packet (custody). */
  actor: string;
  language?: Language;
  /** The decision's reviewer, unlocked with their password: the packet is then PAdES-signed by them. */
  signer?: SigningIdentity;
  /** Also write the PDF here (the CLI's --out); the stored copy is the blob. */
  outFile?: string;
}>;

/**
 * What a signed packet lacks, as data: `packet.not-timestamped` — the TSA failed or none is
 * configured, so the signature is PAdES B-B only (a document time-stamp can be added later);
 * `packet.no-crl` — the local CA has published no CRL yet, so the DSS carries certificates only.
 */
export type PacketWarning = 'packet.not-timestamped' | 'packet.no-crl';

export type ResourcePacket = Readonly<{
  sha256: string;
  pages: number;
  bytes: number;
  /** Path of the stored blob. */
  file: string;
  decisionId: string | null;
  signedBy: string | null;
  language: Language;
  /** Unsigned after a decision: watermarked COPY — NOT SIGNED, never the packet of record. */
  copy: boolean;
  warnings: readonly PacketWarning[];
}>;

/** Width and height from a PNG's IHDR (bytes 16–23), without reading the whole file. */
async function pngSize(path: string): Promise<{ width: number; height: number }> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(24);
    await handle.read(head, 0, 24, 0);
    if (head.toString('latin1', 12, 16) !== 'IHDR')
      throw new AppError('input.invalid', `${path} is not a PNG screenshot`);
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  } finally {
    await handle.close();
  }
}

/** The capture's granted token as it reads: authority name, time, serial (printed in the packet). */
async function timestampTokenOf(
  record: CaptureRecord,
  read: (sha256: string) => Promise<Buffer>,
): Promise<PacketTimestampToken | undefined> {
  const sha = record.timestamp.status === 'granted' ? record.timestamp.tokenSha256 : undefined;
  if (sha === undefined) return undefined;
  const info = inspectTimestampToken(await read(sha));
  return { tsaName: info.tsaName, genTime: info.genTime, serialHex: info.serialHex, policy: info.policy };
}

/**
 * PAdES B-LT validation data for the DSS: the local CA's published CRL (`keys/ca.crl`, kept by the
 * CA when it issues or revokes) and the certificates of the time-stamp authority, as the capture
 * tokens relied on carry them (the TSA that stamps the signature is, in practice, the same one).
 */
export async function packetValidationData(
  ws: Workspace,
  captures: readonly Pick<CaptureRecord, 'timestamp'>[],
): Promise<{ certificatesPem: string[]; crlsDer: Buffer[]; warnings: PacketWarning[] }> {
  const certificatesPem: string[] = [];
  for (const record of captures) {
    const sha = record.timestamp.status === 'granted' ? record.timestamp.tokenSha256 : undefined;
    if (sha !== undefined)
      certificatesPem.push(...inspectTimestampToken(await ws.blobs.read(sha)).certificatesPem);
  }
  const crlFile = ws.paths.caCrlDer;
  const crl = existsSync(crlFile) ? await readFile(crlFile) : null;
  return {
    certificatesPem,
    crlsDer: crl === null ? [] : [crl],
    warnings: crl === null ? ['packet.no-crl'] : [],
  };
}

const packetWarnings = (timestamped: boolean, validation: readonly PacketWarning[]): PacketWarning[] => [
  ...(timestamped ? [] : ['packet.not-timestamped' as const]),
  ...validation,
];

async function packetCapture(record: CaptureRecord, blobs: BlobStore): Promise<PacketCapture> {
  // The packet is drawn from the artifacts' files: a remote store's blobs are fetched to the local cache first.
  await Promise.all(record.artifacts.map((a) => blobs.localFile(a.sha256)));
  const screenshots = await packetScreenshots(record, pngSize);
  const timestampToken = await timestampTokenOf(record, blobs.read);
  return { ...record, screenshots, ...(timestampToken === undefined ? {} : { timestampToken }) };
}

/** Letters, digits, dot, dash and underscore only, starting with a letter or digit (the Bates prefix rule). */
export function batesPrefixFor(caseRef: string): string {
  const cleaned = caseRef
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 40);
  return cleaned === '' ? 'VIGIL' : cleaned;
}

/** The captures a packet shows: those the decision relies on, or for a draft the newest usable capture. */
async function packetCaptures(
  ws: Workspace,
  c: ReadConn,
  resourceId: string,
  decision: DecisionRecord | null,
): Promise<CaptureRecord[]> {
  if (decision !== null) {
    const out: CaptureRecord[] = [];
    for (const ref of decision.captures) {
      const record = await getCapture(c, ref.id, ws.blobs.pathOf);
      if (record === null)
        throw new AppError('review.no-capture', `capture ${ref.id} is not on this workstation`);
      if (record.manifestSha256 !== ref.manifestSha256)
        throw new AppError(
          'evidence.integrity-mismatch',
          `capture ${ref.id} has manifest ${record.manifestSha256}, the decision relies on ${ref.manifestSha256}`,
        );
      out.push(record);
    }
    return out;
  }
  const all = (await listCaptures(c, resourceId, ws.blobs.pathOf)).filter((r) => r.outcome !== 'failed');
  const chosen = all.filter((r) => r.outcome === 'complete').at(-1) ?? all.at(-1);
  if (chosen === undefined)
    throw new AppError('review.no-capture', `resource ${resourceId} has no capture to put in a packet`);
  return [chosen];
}

/** Builds the packet model from the database: resource, captures, custody excerpt and the decision in force. */
export async function buildPacketModel(
  ws: Workspace,
  resourceId: string,
  language: Language | undefined,
  fallbackLanguage: Language,
): Promise<{ model: PacketModel; decision: DecisionRecord | null }> {
  return ws.db.read(async (c) => {
    const summary = await getResourceSummary(c, resourceId);
    if (summary === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
    const decision = await latestDecision(c, resourceId);
    const captures = await packetCaptures(ws, c, resourceId, decision);
    const decisions = await listDecisions(c, resourceId);
    const custody = await custodyRowsFor(c, [
      `resource:${resourceId}`,
      ...captures.map((r) => `capture:${r.id}`),
      ...decisions.map((d) => `decision:${d.id}`),
    ]);
    const caseRef = summary.caseRef ?? resourceId;
    const model: PacketModel = {
      caseRef,
      batesPrefix: batesPrefixFor(caseRef),
      language: language ?? decision?.fields.language ?? fallbackLanguage,
      resource: {
        id: resourceId,
        url: summary.url,
        displayUrl: summary.displayUrl,
        punycodeUrl: summary.url,
        categories: summary.categories,
      },
      captures: await Promise.all(captures.map((r) => packetCapture(r, ws.blobs))),
      custody: custody.map((r) => ({ ...r })),
      indicators: await packetIndicators(
        c,
        resourceId,
        captures.map((r) => r.id),
      ),
      decision,
    };
    return { model, decision };
  });
}

/**
 * Renders the review packet of a resource (DESIGN §7) — the packet of its latest decision, or a DRAFT
 * before one exists — stores the PDF as a blob, records it, and writes the custody event
 * `packet.rendered`. Only the reviewer who signed the decision may sign its packet; a draft is never
 * signed, since nobody has decided anything yet.
 */
export async function renderResourcePacket(
  deps: PacketServiceDeps,
  resourceId: string,
  opts: ResourcePacketOptions,
): Promise<ResourcePacket> {
  const { ws, settings } = deps;
  const current = await settings.get();
  const built = await buildPacketModel(ws, resourceId, opts.language, current.language);
  const decision = built.decision;
  // Unsigned after a decision is a copy: marked on every page and never the packet of record.
  const copy = decision !== null && opts.signer === undefined;
  const model: PacketModel = { ...built.model, copy };
  if (opts.signer !== undefined) {
    if (decision === null)
      throw new AppError('input.invalid', 'a draft packet is not signed: there is no decision yet');
    if (opts.signer.user.name !== decision.reviewer.name)
      throw new AppError(
        'auth.forbidden',
        `only ${decision.reviewer.name}, who signed decision ${decision.id}, may sign its packet`,
      );
  }
  const validation = opts.signer === undefined ? undefined : await packetValidationData(ws, model.captures);
  const workDir = await mkdtemp(join(ws.paths.tmp, 'packet-'));
  try {
    const render = (tsaUrl: string | null) =>
      renderPacket({
        model,
        browser: deps.browser,
        workDir,
        clock: ws.clock,
        attachOriginals: current.attachOriginals,
        ...(opts.signer
          ? {
              signer: {
                privateKey: opts.signer.privateKey,
                certificatePem: opts.signer.certificatePem,
                chainPem: opts.signer.chainPem,
                ...(validation === undefined ? {} : { validation }),
                // PAdES B-T: the TSA vouches for the time of the reviewer's signature value.
                ...(tsaUrl === null
                  ? {}
                  : {
                      timestamp: async (value: Buffer) =>
                        (
                          await requestTimestamp({
                            url: tsaUrl,
                            sha256: createHash('sha256').update(value).digest(),
                            timeoutMs: 30_000,
                          })
                        ).token,
                    }),
              },
            }
          : {}),
      });
    let timestampError: string | null = null;
    let rendered: RenderedPacket;
    try {
      rendered = await render(opts.signer ? current.tsaUrl : null);
    } catch (error) {
      // An unreachable TSA must not stop a reviewer from signing: the packet is signed without a
      // time-stamp (B-B) and the custody event says why.
      if (!(isAppError(error) && error.code.startsWith('tsa.'))) throw error;
      timestampError = `${error.code}: ${error.message}`;
      rendered = await render(null);
    }
    if (opts.outFile !== undefined) {
      const target = resolve(opts.outFile);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      await copyFile(rendered.file, temp);
      await rename(temp, target);
    }
    const stored = await ws.blobs.putFile(rendered.file);
    if (stored.sha256 !== rendered.sha256)
      throw new AppError('evidence.integrity-mismatch', 'the packet changed between rendering and storing');
    const at = ws.clock().toISOString();
    const signedBy = opts.signer?.user.name ?? null;
    const timestamped = signedBy !== null && current.tsaUrl !== null && timestampError === null;
    const language = model.language;
    await ws.record(async (tx, audit) => {
      await registerBlob(tx, stored, at);
      await insertPacket(tx, {
        sha256: stored.sha256,
        resourceId,
        decisionId: decision?.id ?? null,
        language,
        signedBy,
        pages: rendered.pages,
        bytes: stored.bytes,
        renderedAt: at,
        renderedBy: opts.actor,
      });
      await audit({
        actor: opts.actor,
        action: 'packet.rendered',
        subject: `resource:${resourceId}`,
        details: {
          sha256: stored.sha256,
          bytes: stored.bytes,
          pages: rendered.pages,
          decisionId: decision?.id ?? null,
          draft: decision === null,
          copy,
          language,
          signedBy,
          timestamped,
          timestampError,
          captures: model.captures.map((r) => r.id),
        },
      });
    });
    return {
      sha256: stored.sha256,
      pages: rendered.pages,
      bytes: stored.bytes,
      file: stored.path,
      decisionId: decision?.id ?? null,
      signedBy,
      language,
      copy,
      warnings: signedBy === null ? [] : packetWarnings(timestamped, validation?.warnings ?? []),
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` with a freshly launched Chromium that is closed afterwards. Packets are rendered rarely and
 * on demand, so a browser of their own costs a second and never shares state with a capture.
 */
export async function withPacketBrowser<T>(
  ws: Workspace,
  settings: SettingsService,
  env: NodeJS.ProcessEnv,
  fn: (browser: Browser) => Promise<T>,
): Promise<T> {
  const executablePath = findBrowser({
    env,
    configured: (await settings.get()).browserPath,
    platform: process.platform,
  });
  const provider = createBrowserProvider({ executablePath, tmpRoot: ws.paths.tmp });
  try {
    return await fn(await provider.browser());
  } finally {
    await provider.close();
  }
}

/** The indicators of the packet's captures (newest extraction of each), one row per occurrence. */
async function packetIndicators(
  c: ReadConn,
  resourceId: string,
  captureIds: readonly string[],
): Promise<NonNullable<PacketModel['indicators']>> {
  const shown = new Set(captureIds);
  return (await occurrencesOfResources(c, [resourceId]))
    .filter((o) => shown.has(o.captureId))
    .map((o) => ({
      type: o.type,
      value: o.value,
      captureId: o.captureId,
      where: `${o.artifact} ${o.artifactName}@${o.offset}+${o.length}${o.boxX === null ? '' : ` box ${Math.round(o.boxX)},${Math.round(o.boxY ?? 0)}`}`,
    }));
}
