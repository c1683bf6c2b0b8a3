import { describe, expect, test } from 'vitest';
import { isAppError } from '@shared/errors/app-error';
import { findBrowser } from '@core/capture/browser-provider';
import { captureProfileSchema, DESKTOP_PROFILE, MOBILE_PROFILE } from '@core/capture/capture-profile';
import { classifyNavigationError } from '@core/capture/capture-failure';
import { planSegments } from '@core/capture/screenshot';
import { checkCaptureUrl, isPrivateHost } from '@core/capture/url-policy';
import { responseHeaderPairs } from '@core/capture/warc-writer';

describe('findBrowser', () => {
  test('VIGIL_BROWSER wins, then the configured path, then the platform list', () => {
    const all = () => true;
    expect(
      findBrowser({ env: { VIGIL_BROWSER: '/opt/b' }, configured: '/c', platform: 'linux', exists: all }),
    ).toBe('/opt/b');
    expect(findBrowser({ env: {}, configured: '/c', platform: 'linux', exists: all })).toBe('/c');
    expect(findBrowser({ env: {}, platform: 'darwin', exists: all })).toContain('/Applications/');
    const only = (p: string) => p.endsWith('msedge.exe');
    expect(findBrowser({ env: {}, platform: 'win32', exists: only })).toMatch(/msedge\.exe$/);
  });

  test('throws capture.browser-unavailable naming every path tried', () => {
    let caught: unknown;
    try {
      findBrowser({ env: { VIGIL_BROWSER: '/nope' }, platform: 'linux', exists: () => false });
    } catch (error) {
      caught = error;
    }
    expect(isAppError(caught) && caught.code).toBe('capture.browser-unavailable');
    expect(String((caught as Error).message)).toContain('/nope');
    expect(String((caught as Error).message)).toContain('/usr/bin/chromium');
  });
});

test('presets parse and have the specified viewports', () => {
  expect(captureProfileSchema.parse(DESKTOP_PROFILE).viewport).toMatchObject({
    width: 1366,
    height: 768,
    deviceScaleFactor: 1,
  });
  expect(captureProfileSchema.parse(MOBILE_PROFILE).viewport).toMatchObject({
    width: 390,
    height: 844,
    deviceScaleFactor: 3,
    isMobile: true,
  });
  expect(MOBILE_PROFILE.userAgent).toContain('Mobile');
});

test('segments cover the page exactly, in order, and stay under the texture limit at any scale', () => {
  for (const [height, dsf] of [
    [60_000, 1],
    [30_000, 1],
    [1_000, 1],
    [20_000, 3],
  ] as const) {
    const plan = planSegments(height, {
      singleShotMaxPx: 16_384,
      segmentHeightPx: 8_192,
      deviceScaleFactor: dsf,
    });
    let top = 0;
    for (const s of plan) {
      expect(s.top).toBe(top);
      expect(s.height * dsf).toBeLessThanOrEqual(16_384);
      top += s.height;
    }
    expect(top).toBe(height);
  }
});

test('URL policy refuses other schemes and private hosts unless allowed', () => {
  const code = (url: string, allow = false): string | null => {
    try {
      checkCaptureUrl(url, { allowPrivateNetwork: allow });
      return null;
    } catch (error) {
      return isAppError(error) ? error.code : 'other';
    }
  };
  expect(code('file:///etc/passwd')).toBe('intake.scheme-refused');
  expect(code('javascript:alert(1)')).toBe('intake.scheme-refused');
  expect(code('chrome://crash')).toBe('intake.scheme-refused');
  expect(code('not a url')).toBe('intake.bad-url');
  expect(code('http://127.0.0.1/')).toBe('intake.private-address');
  expect(code('http://127.0.0.1/', true)).toBeNull();
  expect(code('https://example.org/')).toBeNull();
  expect(
    ['10.1.2.3', '192.168.0.1', '172.20.0.1', '[::1]', 'localhost', '169.254.1.1'].every(isPrivateHost),
  ).toBe(true);
  expect(['8.8.8.8', '172.32.0.1', 'example.org'].some(isPrivateHost)).toBe(false);
});

test('net errors map to capture codes', () => {
  expect(classifyNavigationError('net::ERR_TOO_MANY_REDIRECTS at x')).toBe('capture.redirect-loop');
  expect(classifyNavigationError('net::ERR_NAME_NOT_RESOLVED at x')).toBe('capture.dns-failed');
  expect(classifyNavigationError('net::ERR_CONNECTION_REFUSED at x')).toBe('capture.connection-failed');
  expect(classifyNavigationError('net::ERR_CERT_AUTHORITY_INVALID at x')).toBe('capture.tls-failed');
  expect(classifyNavigationError('net::ERR_FAILED at x')).toBe('capture.navigation-failed');
});

test('decoded bodies get their encoding headers renamed and a true Content-Length', () => {
  const pairs = responseHeaderPairs(
    {
      'Content-Encoding': 'gzip',
      'Transfer-Encoding': 'chunked',
      'Content-Length': '10',
      'Set-Cookie': 'a=1\nb=2',
      ':status': '200',
    },
    42,
  );
  expect(pairs).toEqual([
    ['X-Archive-Orig-Content-Encoding', 'gzip'],
    ['X-Archive-Orig-Transfer-Encoding', 'chunked'],
    ['Set-Cookie', 'a=1'],
    ['Set-Cookie', 'b=2'],
    ['X-Archive-Orig-Content-Length', '10'],
    ['Content-Length', '42'],
  ]);
});
