import { describe, expect, it } from 'vitest';
import { dataDirFromArgv, isAllowedRequestUrl } from '@main/startup';
import {
  denyDevicePermission,
  denyPermissionCheck,
  denyPermissionRequest,
  navigationVerdict,
  windowOpenVerdict,
} from '@main/web-guards';

const SHA = 'ab'.repeat(32);

describe('permission handlers', () => {
  it.each([
    'media',
    'geolocation',
    'notifications',
    'clipboard-read',
    'clipboard-sanitized-write',
    'fullscreen',
    'openExternal',
    'pointerLock',
    'display-capture',
    'unknown',
  ])('deny the request for %s', (permission) => {
    const answers: boolean[] = [];
    denyPermissionRequest({}, permission, (granted) => answers.push(granted));
    expect(answers).toEqual([false]);
  });

  it('deny every check and device request', () => {
    expect(denyPermissionCheck()).toBe(false);
    expect(denyDevicePermission()).toBe(false);
  });
});

describe('navigation and window.open', () => {
  it('never lets the main frame navigate, not even within the app', () => {
    expect(navigationVerdict('app://vigil/other.html', true)).toEqual({ action: 'deny', external: null });
    expect(navigationVerdict(`evidence://blob/${SHA}`, true)).toEqual({ action: 'deny', external: null });
  });

  it('offers http(s) targets to the system browser instead of loading them', () => {
    expect(navigationVerdict('https://example.org/x', true)).toEqual({
      action: 'deny',
      external: 'https://example.org/x',
    });
    expect(windowOpenVerdict('http://example.org')).toEqual({
      action: 'deny',
      external: 'http://example.org/',
    });
  });

  it('lets a subframe show one artifact and nothing else', () => {
    expect(navigationVerdict(`evidence://blob/${SHA}`, false)).toEqual({ action: 'allow' });
    expect(navigationVerdict(`evidence://blob/${SHA}?x=1`, false).action).toBe('deny');
    expect(navigationVerdict('https://example.org/', false).action).toBe('deny');
    expect(navigationVerdict('app://vigil/index.html', false).action).toBe('deny');
  });

  it('never opens file:, javascript: or data: targets anywhere', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x']) {
      expect(windowOpenVerdict(url)).toEqual({ action: 'deny', external: null });
      expect(navigationVerdict(url, true)).toEqual({ action: 'deny', external: null });
    }
  });

  it('lets an app window request only its own schemes', () => {
    expect(isAllowedRequestUrl('app://vigil/assets/index.js')).toBe(true);
    expect(isAllowedRequestUrl(`evidence://blob/${SHA}`)).toBe(true);
    expect(isAllowedRequestUrl('https://example.org/')).toBe(false);
    expect(isAllowedRequestUrl('ws://127.0.0.1:9222/')).toBe(false);
    expect(isAllowedRequestUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedRequestUrl('chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/index.html')).toBe(false);
    expect(isAllowedRequestUrl('::')).toBe(false);
  });
});

describe('command line', () => {
  it('finds --data in either form, after Electron’s own arguments', () => {
    expect(dataDirFromArgv(['/opt/vigil/vigil', '.', '--data', '/srv/evidence'])).toBe('/srv/evidence');
    expect(dataDirFromArgv(['electron', '--data=/srv/e v'])).toBe('/srv/e v');
    expect(dataDirFromArgv(['electron', '--data'])).toBeNull();
    expect(dataDirFromArgv(['electron', '--data', '--no-open'])).toBeNull();
    expect(dataDirFromArgv(['electron', '.'])).toBeNull();
  });
});
