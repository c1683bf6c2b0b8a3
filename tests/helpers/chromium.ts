import puppeteer from 'puppeteer-core';
import type { Browser } from 'puppeteer-core';

/** The Chromium the tests drive: `VIGIL_BROWSER`, else Debian's package. */
export const CHROMIUM = process.env['VIGIL_BROWSER'] ?? '/usr/bin/chromium';

/** The flags that keep a test browser from talking to anything but loopback. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-features=NetworkTimeServiceQuerying',
];

/** Headless Chromium on a fresh profile directory (the caller owns and removes it). */
export async function launchChromium(userDataDir: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${userDataDir}`],
  });
}
