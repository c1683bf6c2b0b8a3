import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureRecord } from '@shared/domain/capture-record';
import type { RunningStage } from '@shared/domain/capture-stage';
import { ResourceId, type CaptureId } from '@shared/domain/ids';
import { nextState } from '@shared/domain/workflow';
import { AppError, errorMessage, isAppError } from '@shared/errors/app-error';
import { checkHostAllowed, systemResolver, type Resolver } from '../intake/address-policy';
import {
  capturesWithPendingTimestamp,
  indexCaptureText,
  insertCapture,
  insertTimestamp,
} from '../db/repositories/captures-repo';
import { getResourceRef, noteCapture, setResourceState } from '../db/repositories/resources-repo';
import { registerBlob } from '../db/repositories/blobs-repo';
import type { SettingsService } from '../settings/settings-service';
import type { Workspace } from '../workspace';
import { createBrowserProvider, findBrowser, type BrowserProvider } from './browser-provider';
import { CAPTURE_PRESETS, type CaptureProfile } from './capture-profile';
import { startProvenance, withCaption } from './provenance';
import { runCapture } from './run-capture';
import { registerSealedBlobs, sealCapture, timestampManifest } from './seal';

export type CaptureRequest = Readonly<{
  operator: string;
  profile?: string;
  allowPrivateNetwork?: boolean;
  /** Overrides the configured TSA for this capture (the CLI's --tsa). */
  tsaUrl?: string | null;
  /** Overrides the profile's overall deadline (the CLI's --timeout). */
  timeoutSeconds?: number;
  /** Certificate errors are let through only when asked, and then recorded in the capture. */
  ignoreHttpsErrors?: boolean;
  /** Overrides the profile's `certificateErrors` (the CLI's --refuse-certificate-errors). */
  certificateErrors?: CaptureProfile['certificateErrors'];
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
      ignoreHttpsErrors: request.ignoreHttpsErrors ?? base.ignoreHttpsErrors,
      certificateErrors: request.certificateErrors ?? base.certificateErrors,
      timeouts:
        request.timeoutSeconds === undefined
          ? base.timeouts
          : { ...base.timeouts, totalMs: Math.max(5_000, request.timeoutSeconds * 1000) },
    };
    // A public-looking name that resolves into the workstation's own network is refused before the
    // browser connects (DNS rebinding); a name that does not resolve is left to the browser, whose
    // failure is recorded as evidence (`capture.dns-failed`).
    try {
      await checkHostAllowed(new URL(ref.url).hostname, {
        allowPrivate: chosen.allowPrivateNetwork,
        resolve: deps.resolve ?? systemResolver,
      });
    } catch (error) {
      if (!(isAppError(error) && error.code === 'capture.dns-failed')) throw error;
    }
    const captureId = ws.ids('CaptureId');
    const started = performance.now();
    const progress = (stage: RunningStage) =>
      request.onProgress?.({ captureId, stage, elapsedMs: Math.round(performance.now() - started) });

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
        },
      }),
    );
    const workDir = await mkdtemp(join(ws.paths.tmp, 'capture-'));
    try {
      const chromium = await browser();
      // The clock is read before the page opens; the egress address is asked while it loads.
      const provenance = await startProvenance({
        settings: current,
        clock: ws.clock,
        browser: chromium,
        profile: chosen,
      });
      const browsed = await runCapture({
        browser: chromium,
        operator: request.operator,
        workstation: ws.workstationName,
        url: ref.url,
        profile: chosen,
        workDir,
        clock: ws.clock,
        ...(request.signal ? { signal: request.signal } : {}),
        onStage: (stage) => progress(stage),
        waczSigner: {
          privateKey: ws.workstation.privateKey,
          certificatePem: ws.workstation.certificatePem,
          issuerCertificatePem: ws.ca.certPem,
        },
      });
      const raw = await withCaption(browsed, { browser: chromium, captureId, workDir });
      progress('seal');
      const tsaUrl = request.tsaUrl === undefined ? current.tsaUrl : request.tsaUrl;
      const sealed = await sealCapture(ws, raw, {
        captureId,
        resourceId: ResourceId.parse(ref.id),
        operator: request.operator,
        tsaUrl,
        provenance: await provenance.finish(),
      });
      const at = ws.clock().toISOString();
      await ws.record(async (tx, audit) => {
        await registerSealedBlobs(ws, tx, sealed.blobs);
        await insertCapture(tx, sealed.record, at);
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
          },
        });
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
      ws.events.emit('resource.changed', { resourceId: ref.id });
      progress('done');
      return sealed.record;
    } catch (error) {
      await ws.record((_tx, audit) =>
        audit({
          actor: request.operator,
          action: 'capture.aborted',
          subject: `resource:${ref.id}`,
          details: { captureId, error: errorMessage(error) },
        }),
      );
      throw error;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  async function retryTimestamps(actor: string, tsaUrl?: string | null) {
    const url = tsaUrl === undefined ? (await settings.get()).tsaUrl : tsaUrl;
    if (url === null)
      throw new AppError('input.invalid', 'no time-stamp authority is configured (settings or --tsa URL)');
    const pending = await ws.db.read((c) => capturesWithPendingTimestamp(c));
    let granted = 0;
    const errors: string[] = [];
    for (const capture of pending) {
      const stamped = await timestampManifest(ws, capture.manifestSha256, url);
      if (stamped.timestamp.status !== 'granted' || stamped.tokenBlob === null) {
        errors.push(`${capture.id}: ${stamped.error ?? 'not granted'}`);
        continue;
      }
      const token = stamped.tokenBlob;
      await ws.record(async (tx, audit) => {
        const at = ws.clock().toISOString();
        await registerBlob(tx, token, at);
        await insertTimestamp(tx, capture.id, stamped.timestamp, at);
        await audit({
          actor,
          action: 'capture.timestamped',
          subject: `capture:${capture.id}`,
          details: { tsa: url, genTime: stamped.timestamp.genTime ?? null, tokenSha256: token.sha256 },
        });
      });
      granted += 1;
    }
    return { granted, pending: pending.length - granted, errors };
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
