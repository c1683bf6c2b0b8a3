import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import type { Browser } from 'puppeteer-core';
import { AppError } from '@shared/errors/app-error';
import { writeOwner } from './process-owner';

/**
 * Flags for an evidence browser. Chromium phones home even with the usual flags (DESIGN §11), so
 * every background service we know of is off; the popup blocker stays ON (puppeteer turns it off by
 * default) so that `window.open` spam is refused by the browser and only reported to us.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-breakpad',
  '--metrics-recording-only',
  '--no-pings',
  // No display to keep pace with: frames are produced as soon as they are asked for, so the
  // scroll-through (two frames per step) and the screenshots don't wait for a 60 Hz tick.
  '--disable-frame-rate-limit',
  '--disable-gpu-vsync',
  // PreconnectToSearch and the AI-mode eligibility check (Aim*): measured on Chromium 150, every new
  // tab, also in a capture's own context, preconnects to the default search engine and fetches
  // https://www.google.com/async/folae; through the network guard that is a refused request which
  // made the capture partial.
  '--disable-features=NetworkTimeServiceQuerying,OptimizationHints,OptimizationHintsFetching,OptimizationGuideModelDownloading,OptimizationTargetPrediction,MediaRouter,DialMediaRouteProvider,Translate,AutofillServerCommunication,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,PreconnectToSearch,AimEnabled,AimServerEligibilityEnabled,AimServerRequestOnStartupEnabled',
  // Measured on Chromium 156 (a test counts what reaches a proxy): even with the switches above a
  // fresh profile posts to update.googleapis.com (component and extension updates) and opens
  // accounts.google.com within seconds. Extensions are off, and the component updater, sign-in
  // (GAIA) and Google API endpoints point at a local address that nothing answers, so that a
  // capture's traffic is only the page's.
  '--disable-extensions',
  '--disable-component-extensions-with-background-pages',
  '--disable-default-apps',
  '--component-updater=url-source=http://0.0.0.0:9',
  '--gaia-url=http://0.0.0.0:9',
  '--google-apis-url=http://0.0.0.0:9',
  // Chromium 150 checks in with GCM (android.clients.google.com/checkin) within seconds of launch,
  // whatever --disable-background-networking says; its endpoints go the same way.
  '--gcm-checkin-url=http://0.0.0.0:9',
  '--gcm-mcs-endpoint=http://0.0.0.0:9',
  '--gcm-registration-url=http://0.0.0.0:9',
  '--safebrowsing-disable-auto-update',
  '--dns-prefetch-disable',
];

const IGNORED_DEFAULT_ARGS = ['--disable-popup-blocking', '--enable-automation'];

const CANDIDATES: Readonly<Record<string, readonly string[]>> = {
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
    '/usr/bin/microsoft-edge',
    '/opt/microsoft/msedge/msedge',
  ],
  darwin: [
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  ],
  win32: [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files\\Chromium\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    'C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe',
  ],
};

/** VIGIL_BROWSER, then the configured path, then the usual install locations for the platform. */
export function findBrowser(opts: {
  env: NodeJS.ProcessEnv;
  configured?: string | null;
  platform: NodeJS.Platform;
  exists?: (p: string) => boolean;
}): string {
  const exists = opts.exists ?? existsSync;
  const tried: string[] = [];
  const candidates: string[] = [];
  const fromEnv = opts.env['VIGIL_BROWSER'];
  if (fromEnv) candidates.push(fromEnv);
  if (opts.configured) candidates.push(opts.configured);
  candidates.push(...(CANDIDATES[opts.platform] ?? []));
  if (opts.platform === 'win32' && opts.env['LOCALAPPDATA']) {
    candidates.push(
      path.win32.join(opts.env['LOCALAPPDATA'], 'Google', 'Chrome', 'Application', 'chrome.exe'),
    );
  }
  for (const candidate of candidates) {
    tried.push(candidate);
    if (exists(candidate)) return candidate;
  }
  throw new AppError(
    'capture.browser-unavailable',
    `No Chromium, Chrome or Edge found; tried: ${tried.join(', ')}. Set VIGIL_BROWSER to the browser's path.`,
    { tried },
  );
}

export type BrowserProvider = {
  browser(): Promise<Browser>;
  close(): Promise<void>;
};

/**
 * One browser is reused across a queue run (launching costs more than a capture of a small page);
 * every capture still gets its own incognito context. A browser that disconnected (crash, killed)
 * is replaced on the next call, with a fresh profile directory each launch.
 */
export function createBrowserProvider(opts: { executablePath: string; tmpRoot: string }): BrowserProvider {
  let current: { browser: Browser; profileDir: string } | null = null;
  let launching: Promise<Browser> | null = null;

  async function launch(): Promise<Browser> {
    const profileDir = await mkdtemp(path.join(opts.tmpRoot, 'vigil-browser-'));
    try {
      await writeOwner(profileDir, { pid: process.pid });
      const browser = await puppeteer.launch({
        executablePath: opts.executablePath,
        headless: true,
        ignoreDefaultArgs: IGNORED_DEFAULT_ARGS,
        args: [...CHROMIUM_ARGS, `--user-data-dir=${profileDir}`],
        defaultViewport: null,
        protocolTimeout: 60_000,
        // DevTools over a pipe, not a port: when the process that started Chromium dies, even by
        // kill -9, the pipe closes and Chromium exits with it (no orphaned browser holding evidence
        // pages). The owner file lets the next start reap what a crash left anyway (leftovers.ts).
        pipe: true,
      });
      current = { browser, profileDir };
      const browserPid = browser.process()?.pid;
      if (browserPid) await writeOwner(profileDir, { pid: process.pid, browserPid }).catch(() => undefined);
      return browser;
    } catch (error) {
      await rm(profileDir, { recursive: true, force: true });
      throw new AppError(
        'capture.browser-unavailable',
        `Could not start ${opts.executablePath}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  async function dispose(): Promise<void> {
    const old = current;
    current = null;
    if (!old) return;
    if (old.browser.connected) await old.browser.close().catch(() => undefined);
    await rm(old.profileDir, { recursive: true, force: true, maxRetries: 3 });
  }

  return {
    async browser() {
      if (current?.browser.connected) return current.browser;
      if (launching) return launching;
      launching = (async () => {
        await dispose();
        return launch();
      })();
      try {
        return await launching;
      } finally {
        launching = null;
      }
    },
    async close() {
      if (launching) await launching.catch(() => undefined);
      await dispose();
    },
  };
}
