import { bundleCaPemSync } from '../custody/org-ca';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { RunningStage } from '@shared/domain/capture-stage';
import { ResourceId, type CaptureId } from '@shared/domain/ids';
import { nextState } from '@shared/domain/workflow';
import { AppError, errorMessage, isAppError } from '@shared/errors/app-error';
import { isDiskFull, storeErrorOf } from '../store/store-errors';
import { checkHostAllowed, systemResolver, type Resolver } from '../intake/address-policy';
import { indexCaptureText, insertCapture } from '../db/repositories/captures-repo';
import { retryPendingTimestamps } from '../custody/timestamp-retry';
import { registerBlob } from '../db/repositories/blobs-repo';
import { insertTimestampQuery } from '../db/repositories/time-stamps-repo';
import { configuredTsa } from '../settings/tsa-settings';
import { getResourceRef, noteCapture, setResourceState } from '../db/repositories/resources-repo';
import type { SettingsService } from '../settings/settings-service';
import type { OperatorSigner } from '../users/cli-sessions';
import type { Workspace } from '../workspace';
import { createBrowserProvider, findBrowser, type BrowserProvider } from './browser-provider';
import { CAPTURE_PRESETS, type CaptureProfile } from './capture-profile';
import { startProvenance, withCaption } from './provenance';
import { isAllowedHost } from './request-policy';
import { sweepCaptureLeftovers } from './leftovers';
import { writeOwner } from './process-owner';
import {
  flagOnListMatch,
  mediaPolicyFor,
  type CaptureMediaDeps,
  type MediaTerms,
} from './capture-media-policy';
import { runCapture } from './run-capture';
import { registerSealedBlobs, sealCapture } from './seal';

export type CaptureRequest = Readonly<{
  operator: string;
  /** The proven operator's signing key (`--as` with proof): co-signs the manifest. */
  operatorSigner?: OperatorSigner;
  /**
   * A capture queued from the UI: the queuing session's key, asked for when the capture seals; null
   * then (signed out, expired) seals it with the `operator.not-cosigned` warning.
   */
  sessionSigner?: () => OperatorSigner | null;
  profile?: string;
  allowPrivateNetwork?: boolean;
  /** `HOST[:PORT]` entries the capture may reach whatever their address (`--allow-host`), added to the profile's. */
  allowHosts?: readonly string[];
  /** Overrides the configured TSA for this capture (the CLI's --tsa). */
  tsaUrl?: string | null;
  /** Overrides the profile's overall deadline (the CLI's --timeout). */
  timeoutSeconds?: number;
  /** Certificate errors are let through only when asked, and then recorded in the capture. */
  ignoreHttpsErrors?: boolean;
  /** Overrides the profile's `certificateErrors` (the CLI's --refuse-certificate-errors). */
  certificateErrors?: CaptureProfile['certificateErrors'];
  /** The do-not-possess terms of whoever dispatched this capture (a team server), in place of this workspace's. */
  mediaTerms?: MediaTerms;
  signal?: AbortSignal;
  onProgress?: (p: Readonly<{ captureId: CaptureId; stage: RunningStage; elapsedMs: number }>) => void;
}>;

export type CaptureService = Readonly<{
  profiles: () => CaptureProfile[];
  profile: (name: string) => CaptureProfile;
  captureResource: (resourceId: string, request: CaptureRequest) => Promise<CaptureRecord>;
  retryTimestamps: (
    actor: string,
    tsaUrl?: string | null,
  ) => Promise<{ granted: number; pending: number; errors: string[] }>;
  close: () => Promise<void>;
}>;

export type CaptureServiceDeps = Readonly<{
  ws: Workspace;
  settings: SettingsService;
  env: NodeJS.ProcessEnv;
  /** DNS lookups for the private-address check; the system resolver unless a test pins answers. */
  resolve?: Resolver;
  /**
   * Runs once a capture is sealed and committed, outside the timed stages (indicator extraction);
   * it must not throw: the capture is already evidence whatever it does.
   */
  afterSeal?: (record: CaptureRecord, actor: string) => Promise<void>;
  /** Restricted capture and known-hash matching (capture-media-policy.ts); hashes only, no lists, by default. */
  media?: CaptureMediaDeps;
}>;

/**
 * One capture from start to sealed record: the resource must be in a state that allows capture; the
 * browser side (run-capture) leaves files in a work dir; sealing moves them into the blob store and
 * signs the manifest; the record, its artifact rows, the state change, the text index and the custody
 * events then commit in one transaction.
 */
export function createCaptureService(deps: CaptureServiceDeps): CaptureService {
  const { ws, settings } = deps;
  let provider: BrowserProvider | null = null;
  // Once per process, before its first capture: what an earlier crash left (leftovers.ts).
  let swept: Promise<unknown> | null = null;
  const sweepOnce = (): Promise<unknown> => {
    swept ??= sweepCaptureLeftovers(ws, {
      actor: 'system',
      processStartMs: Date.now() - process.uptime() * 1000,
    }).catch(() => undefined);
    return swept;
  };

  const browser = async () => {
    if (provider === null) {
      const executablePath = findBrowser({
        env: deps.env,
        configured: (await settings.get()).browserPath,
        platform: process.platform,
      });
      provider = createBrowserProvider({ executablePath, tmpRoot: ws.paths.tmp });
    }
    return provider.browser();
  };

  const profile = (name: string): CaptureProfile => {
    const preset = (CAPTURE_PRESETS as Readonly<Record<string, CaptureProfile>>)[name];
    if (preset === undefined)
      throw new AppError(
        'capture.profile-not-found',
        `no capture profile named ${name} (known: ${Object.keys(CAPTURE_PRESETS).join(', ')})`,
      );
    return preset;
  };

  async function captureResource(resourceId: string, request: CaptureRequest): Promise<CaptureRecord> {
    await sweepOnce();
    const ref = await ws.db.read((c) => getResourceRef(c, resourceId));
    if (ref === null) throw new AppError('evidence.not-found', `no resource ${resourceId}`);
    if (nextState(ref.state, 'capture', 'investigator') === null) {
      throw new AppError('review.invalid-transition', `a resource in state ${ref.state} cannot be captured`);
    }
    const current = await settings.get();
    const base = profile(request.profile ?? current.defaultProfile);
    const chosen: CaptureProfile = {
      ...base,
      allowPrivateNetwork:
        request.allowPrivateNetwork ?? (current.allowPrivateNetwork || base.allowPrivateNetwork),
      allowHosts: [...(base.allowHosts ?? []), ...(current.allowHosts ?? []), ...(request.allowHosts ?? [])],
      ignoreHttpsErrors: request.ignoreHttpsErrors ?? base.ignoreHttpsErrors,
      certificateErrors: request.certificateErrors ?? base.certificateErrors,
      timeouts:
        request.timeoutSeconds === undefined
          ? base.timeouts
          : { ...base.timeouts, totalMs: Math.max(5_000, request.timeoutSeconds * 1000) },
    };
    // A public-looking name that resolves into the workstation's own network is refused before the
    // browser connects; a name that does not resolve goes on to the capture, whose network guard
    // refuses it there and records the refusal (`capture.dns-failed`). Every later connection of the
    // capture is checked again by that guard (guarded-context.ts), pinned to the address it checked.
    const target = new URL(ref.url);
    const targetPort = target.port !== '' ? Number(target.port) : target.protocol === 'https:' ? 443 : 80;
    try {
      await checkHostAllowed(target.hostname, {
        allowPrivate:
          chosen.allowPrivateNetwork || isAllowedHost(chosen.allowHosts ?? [], target.hostname, targetPort),
        resolve: deps.resolve ?? systemResolver,
      });
    } catch (error) {
      if (!(isAppError(error) && error.code === 'capture.dns-failed')) throw error;
    }
    const captureId = ws.ids('CaptureId');
    const started = performance.now();
    const progress = (stage: RunningStage) =>
      request.onProgress?.({ captureId, stage, elapsedMs: Math.round(performance.now() - started) });

    // The work dir and its owner file exist before the capture is started in the custody log, so
    // that a sweep by another process never takes a running capture for an abandoned one.
    const workDir = await mkdtemp(join(ws.paths.tmp, 'capture-'));
    try {
      await writeOwner(workDir, { pid: process.pid, captureId });
      await ws.record((_tx, audit) =>
        audit({
          actor: request.operator,
          action: 'capture.started',
          subject: `resource:${ref.id}`,
          details: {
            captureId,
            url: ref.url,
            profile: chosen.name,
            allowPrivateNetwork: chosen.allowPrivateNetwork,
            ...(chosen.allowHosts?.length ? { allowHosts: chosen.allowHosts } : {}),
          },
        }),
      );
    } catch (error) {
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
    try {
      const chromium = await browser();
      // The clock is read before the page opens; the egress address is asked while it loads.
      const provenance = await startProvenance({
        settings: current,
        clock: ws.clock,
        browser: chromium,
        profile: chosen,
      });
      const media = await mediaPolicyFor(ws, deps.media, ref.id, request.mediaTerms);
      const browsed = await runCapture({
        media: media.policy,
        browser: chromium,
        operator: request.operator,
        workstation: ws.workstationName,
        url: ref.url,
        profile: chosen,
        workDir,
        clock: ws.clock,
        ...(deps.resolve ? { resolve: deps.resolve } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        onStage: (stage) => progress(stage),
        waczSigner: {
          privateKey: ws.workstation.privateKey,
          certificatePem: ws.workstation.certificatePem,
          // The CA that certified the workstation key: an organisation CA once its certificate is installed.
          issuerCertificatePem: bundleCaPemSync(ws.paths, ws.ca.certPem, ws.workstation.certificatePem),
        },
      });
      const raw = await withCaption(browsed, { browser: chromium, captureId, workDir });
      progress('seal');
      const tsaUrl = request.tsaUrl === undefined ? current.tsaUrl : request.tsaUrl;
      // The configured root and policy bind only the configured URL; an explicit --tsa has none (as in a retry).
      const configured = configuredTsa(current);
      const sealed = await sealCapture(ws, raw, {
        captureId,
        resourceId: ResourceId.parse(ref.id),
        operator: request.operator,
        ...operatorSignerOf(request),
        tsaUrl,
        ...(configured !== null && configured.url === tsaUrl
          ? { tsaChecks: { trustedCertsPem: configured.trustedCertsPem, policyOid: configured.policyOid } }
          : {}),
        provenance: await provenance.finish(),
        ...(media.flag ? { suspectedCsam: media.flag } : {}),
      });
      const at = ws.clock().toISOString();
      await ws.record(async (tx, audit) => {
        await registerSealedBlobs(ws, tx, sealed.blobs);
        await insertCapture(tx, sealed.record, at);
        const query = sealed.timestampQuery;
        if (query !== null) {
          await registerBlob(tx, query, at);
          await insertTimestampQuery(tx, query.tokenSha256, query.sha256, at);
        }
        await noteCapture(tx, ref.id, at, raw.page.title || null);
        if (sealed.text !== '' || raw.page.title !== '')
          await indexCaptureText(tx, ref.id, captureId, raw.page.title, sealed.text);
        await audit({
          actor: request.operator,
          action: 'capture.sealed',
          subject: `capture:${captureId}`,
          details: {
            resourceId: ref.id,
            outcome: raw.outcome,
            error: raw.error ?? null,
            manifestSha256: sealed.record.manifestSha256,
            artifacts: sealed.record.artifacts.length,
            timestamp: sealed.record.timestamp.status,
            warnings: sealed.record.warnings.map((w) => w.code),
            ...(sealed.record.restricted
              ? { restricted: true, withheld: sealed.record.withheld?.map((w) => w.sha256) ?? [] }
              : {}),
          },
        });
        await flagOnListMatch(tx, audit, { resourceId: ref.id, captureId, record: sealed.record, at });
        // The state only moves when the rules say so: re-capturing a decided resource adds evidence
        // without undoing its decision.
        const now = await getResourceRef(tx, ref.id);
        const action = raw.outcome === 'failed' ? 'capture_failed' : 'capture_succeeded';
        const to = now ? nextState(now.state, action, 'investigator') : null;
        if (now && to !== null && to !== now.state) {
          await setResourceState(tx, ref.id, to, at);
          await audit({
            actor: request.operator,
            action: 'resource.state-changed',
            subject: `resource:${ref.id}`,
            details: { from: now.state, to, because: action, captureId },
          });
        }
      });
      if (deps.afterSeal) await deps.afterSeal(sealed.record, request.operator);
      ws.events.emit('resource.changed', { resourceId: ref.id });
      progress('done');
      return sealed.record;
    } catch (caught) {
      const error = storeErrorOf(caught, ws.paths.root, ws.paths.db) ?? caught;
      // On a full disk the capture's own files go first, so that its end still fits in the log.
      if (isDiskFull(error)) await rm(workDir, { recursive: true, force: true });
      try {
        await ws.record((_tx, audit) =>
          audit({
            actor: request.operator,
            action: 'capture.aborted',
            subject: `resource:${ref.id}`,
            details: { captureId, error: errorMessage(error) },
          }),
        );
      } catch (unrecorded) {
        // A disk still full loses the row, not the reason: the caller sees store.disk-full.
        if (!isDiskFull(error) || !isDiskFull(unrecorded)) throw unrecorded;
      }
      throw error;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  async function retryTimestamps(actor: string, tsaUrl?: string | null) {
    const current = await settings.get();
    const configured = configuredTsa(current);
    // An explicit --tsa URL other than the configured one has no configured root or policy to check.
    const tsa =
      tsaUrl === undefined || tsaUrl === null || tsaUrl === configured?.url
        ? configured
        : { url: tsaUrl, trustedCertsPem: undefined, policyOid: null, qualified: false };
    if (tsa === null)
      throw new AppError('input.invalid', 'no time-stamp authority is configured (settings or --tsa URL)');
    return retryPendingTimestamps(ws, tsa, actor, { timeoutMs: 15_000 });
  }

  return {
    profiles: () => Object.values(CAPTURE_PRESETS),
    profile,
    captureResource,
    retryTimestamps,
    close: async () => {
      const p = provider;
      provider = null;
      if (p) await p.close();
    },
  };
}

/** The key that co-signs: the CLI's proven user, else the queuing UI session's key if it is still live. */
function operatorSignerOf(request: CaptureRequest): {
  operatorSigner?: OperatorSigner;
  notCosigned?: string;
} {
  if (request.operatorSigner) return { operatorSigner: request.operatorSigner };
  if (request.sessionSigner === undefined) return {};
  const signer = request.sessionSigner();
  return signer !== null
    ? { operatorSigner: signer }
    : {
        notCosigned: `the manifest is signed by the workstation only: ${request.operator}'s session that queued this capture had ended (signed out or expired) before it sealed, so the operator's key did not co-sign it`,
      };
}
