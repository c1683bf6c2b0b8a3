import type { Browser } from 'puppeteer-core';
import type { Settings } from '@shared/contract/methods/workspace';
import type { ClockOffset } from '@shared/domain/capture-record';
import { errorMessage } from '@shared/errors/app-error';
import { buildCommit } from '../build-commit';
import { canonicalJson } from '../custody/canonical-json';
import { sha256Hex } from '../custody/signing';
import { captionScreenshot } from './caption-band';
import type { CaptureProfile } from './capture-profile';
import { askEgressAddress } from './egress-address';
import type { RawCapture } from './raw-capture';
import type { Provenance } from './seal';
import { measureClockOffset } from './sntp-client';

/** The clock offset just before the capture: the configured time server, or unknown with the reason. */
export function measureBeforeCapture(settings: Settings, clock: () => Date): Promise<ClockOffset> {
  if (settings.timeServer === null)
    return Promise.resolve({ status: 'unknown', server: null, reason: 'no time server is configured' });
  return measureClockOffset({
    server: settings.timeServer,
    clock,
    thresholdMs: settings.clockOffsetThresholdMs,
  });
}

/**
 * Starts the measurements that go with a capture: the clock (awaited before the page is opened)
 * and the egress address (asked while the capture runs, through its proxy, in its browser).
 * `finish` collects them with the profile's version and the build commit.
 */
export async function startProvenance(opts: {
  settings: Settings;
  clock: () => Date;
  browser: Browser;
  profile: CaptureProfile;
}): Promise<{ finish: () => Promise<Provenance> }> {
  const clockOffset = await measureBeforeCapture(opts.settings, opts.clock);
  const egress = askEgressAddress({
    browser: opts.browser,
    proxy: opts.profile.proxy,
    endpoint: opts.settings.egressEndpoint,
  });
  return {
    finish: async () => ({
      clockOffset,
      egress: await egress,
      profileVersion: sha256Hex(Buffer.from(canonicalJson(opts.profile), 'utf8')),
      build: buildCommit(),
    }),
  };
}

/**
 * Adds the captioned copy of the screenshot (caption-band.ts) to a capture that has one. A caption
 * that cannot be made is a warning: the original screenshot is the evidence and is already there.
 */
export async function withCaption(
  raw: RawCapture,
  opts: { browser: Browser; captureId: string; workDir: string },
): Promise<RawCapture> {
  const screenshot = raw.artifacts.find((a) => a.kind === 'screenshot');
  if (!screenshot) return raw;
  try {
    const captioned = await captionScreenshot({
      browser: opts.browser,
      screenshot,
      finalUrl: raw.finalUrl,
      capturedAt: raw.startedAt,
      captureId: opts.captureId,
      workDir: opts.workDir,
    });
    return { ...raw, artifacts: [...raw.artifacts, captioned] };
  } catch (error) {
    return {
      ...raw,
      warnings: [
        ...raw.warnings,
        { code: 'caption.failed', message: `no captioned copy: ${errorMessage(error)}` },
      ],
    };
  }
}
