import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'puppeteer-core';
import { createBrowserProvider } from '../../../electron/core/capture/browser-provider';
import type { BrowserProvider } from '../../../electron/core/capture/browser-provider';
import { DESKTOP_PROFILE } from '../../../electron/core/capture/capture-profile';
import type { CaptureProfile } from '../../../electron/core/capture/capture-profile';
import { runCapture } from '../../../electron/core/capture/run-capture';
import type { RawCapture, RunCaptureOptions } from '../../../electron/core/capture/run-capture';
import { startFixtureSite } from '../../helpers/fixture-site';
import type { FixtureSite } from '../../helpers/fixture-site';

export const CHROMIUM = process.env['VIGIL_BROWSER'] ?? '/usr/bin/chromium';

/** The profile tests use: the fixture lives on loopback and its certificate is self-signed. */
export const TEST_PROFILE: CaptureProfile = {
  ...DESKTOP_PROFILE,
  allowPrivateNetwork: true,
  ignoreHttpsErrors: true,
  timeouts: {
    navigateMs: 10_000,
    settleMs: 15_000,
    snapshotMs: 30_000,
    archiveMs: 20_000,
    totalMs: 60_000,
    networkQuietMs: 300,
  },
};

export type CaptureEnv = {
  site: FixtureSite;
  provider: BrowserProvider;
  browser: Browser;
  root: string;
  capture(
    url: string,
    extra?: Partial<Omit<RunCaptureOptions, 'browser' | 'url' | 'workDir' | 'clock'>>,
  ): Promise<RawCapture>;
  close(): Promise<void>;
};

/** One fixture site and one browser per test file (the suite must fit in minutes on 2 cores). */
export async function startCaptureEnv(): Promise<CaptureEnv> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'vigil-capture-test-'));
  const site = await startFixtureSite();
  const provider = createBrowserProvider({ executablePath: CHROMIUM, tmpRoot: root });
  const browser = await provider.browser();
  let n = 0;
  return {
    site,
    provider,
    browser,
    root,
    async capture(url, extra = {}) {
      n += 1;
      const workDir = await mkdtemp(path.join(root, `capture-${n}-`));
      return runCapture({
        profile: TEST_PROFILE,
        ...extra,
        browser: await provider.browser(),
        url,
        workDir,
        clock: () => new Date(),
      });
    },
    async close() {
      await provider.close();
      await site.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function expectFilesNonEmpty(capture: RawCapture): Promise<void> {
  for (const a of capture.artifacts) {
    const s = await stat(a.file);
    if (s.size === 0) throw new Error(`artifact ${a.name} is empty`);
  }
}
