import { describe, expect, it } from 'vitest';
import { hasBidiControls, isolateText, punycodeHostOf } from '@shared/domain/display-text';

describe('captured strings shown as isolates', () => {
  it('wraps a captured string in FSI … PDI and keeps it as captured', () => {
    const title = 'Shop \u202Egnp.exe';
    expect(isolateText(title)).toBe('\u2068Shop \u202Egnp.exe\u2069');
    expect(hasBidiControls(title)).toBe(true);
    expect(hasBidiControls('Plain title')).toBe(false);
    expect(hasBidiControls('\u2067x')).toBe(true);
  });
});

describe('punycode beside an IDN host', () => {
  it('gives the ASCII form of a homograph host (Cyrillic а in аpple.com)', () => {
    expect(punycodeHostOf('https://\u0430pple.com/login')).toBe('xn--pple-43d.com');
    expect(punycodeHostOf('http://user@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444:8080/')).toBe(
      'xn--e1afmkfd.xn--p1ai',
    );
  });

  it('gives nothing for an ASCII host, a punycode host already, or text that is not a URL', () => {
    expect(punycodeHostOf('https://apple.com/')).toBeNull();
    expect(punycodeHostOf('https://xn--pple-43d.com/')).toBeNull();
    expect(punycodeHostOf('not a url \u0430pple')).toBeNull();
    expect(punycodeHostOf('/relative/\u0430')).toBeNull();
  });
});
