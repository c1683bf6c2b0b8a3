import type { Browser, HTTPResponse } from 'puppeteer-core';
import { errorMessage } from '@shared/errors/app-error';
import { certificateErrorPolicy } from '../capture/capture-profile';
import type { CaptureProfile } from '../capture/capture-profile';
import { bounded } from '../capture/deadline';
import { profileContextOptions } from '../capture/guarded-context';
import { extractPage } from '../capture/page-extract';
import type { Resolver } from '../intake/address-policy';
import type { LightFetchResult } from './classify';
import { contentHashes } from './content-hashes';

/**
 * A re-check's look at a URL: one real page load in a fresh incognito context through the capture
 * profile (its network guard, proxy, user agent, language, viewport, zone, certificate policy), up
 * to the load event, then the visible text and the DOM. No recorder, WARC, screenshot or seal: what
 * it keeps is the status, the final URL and the two content hashes. A re-check that proves
 * something (a removal, a change) is followed by a full capture through the capture service.
 * Never rejects: a page that cannot be loaded is a result with `status: null` and why.
 */
export async function lightFetch(opts: {
  browser: Browser;
  url: string;
  profile: CaptureProfile;
  resolve?: Resolver;
}): Promise<LightFetchResult> {
  const { browser, url, profile } = opts;
  const deadline = Date.now() + profile.timeouts.navigateMs + profile.timeouts.snapshotMs;
  const { options, guard } = await profileContextOptions(profile, opts.resolve);
  const context = await browser.createBrowserContext(options).catch(async (error: unknown) => {
    await guard?.close().catch(() => undefined);
    throw error;
  });
  try {
    const page = await context.newPage();
    const session = await page.createCDPSession();
    const userAgent = profile.userAgent ?? (await browser.userAgent()).replace('HeadlessChrome/', 'Chrome/');
    await Promise.all([
      session.send('Emulation.setDeviceMetricsOverride', {
        width: profile.viewport.width,
        height: profile.viewport.height,
        deviceScaleFactor: profile.viewport.deviceScaleFactor,
        mobile: profile.viewport.isMobile,
      }),
      session.send('Network.setUserAgentOverride', { userAgent, acceptLanguage: profile.acceptLanguage }),
      session.send('Emulation.setTimezoneOverride', { timezoneId: profile.timeZone }),
      session.send('Emulation.setLocaleOverride', { locale: profile.locale }).catch(() => undefined),
      certificateErrorPolicy(profile) === 'record'
        ? session.send('Security.setIgnoreCertificateErrors', { ignore: true })
        : null,
    ]);
    let response: HTTPResponse | null;
    try {
      response = await page.goto(url, { waitUntil: 'load', timeout: profile.timeouts.navigateMs });
    } catch (error) {
      const blocked = guard?.blocked()[0];
      return failed(
        blocked
          ? `refused by the private-network policy: ${blocked.host} ${blocked.reason}`
          : errorMessage(error),
      );
    }
    if (response === null) return failed('the browser made no request for the URL');
    const [extract, html] = await Promise.all([
      extractPage(page, deadline),
      bounded(page.content(), deadline, 'DOM'),
    ]);
    return {
      status: response.status(),
      finalUrl: page.url(),
      text: extract.text,
      hashes: contentHashes(extract.text, html),
      error: null,
    };
  } catch (error) {
    return failed(errorMessage(error));
  } finally {
    await bounded(context.close(), Date.now() + 10_000, 'closing the context').catch(() => undefined);
    await guard?.close().catch(() => undefined);
  }
}

const failed = (error: string): LightFetchResult => ({
  status: null,
  finalUrl: null,
  text: null,
  hashes: null,
  error,
});
