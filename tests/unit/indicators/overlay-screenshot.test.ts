import { describe, expect, test } from 'vitest';
import { overlayScreenshot } from '@renderer/features/indicators/overlay-screenshot';

const shot = (index?: number) => ({
  kind: 'screenshot',
  ...(index === undefined ? {} : { segment: { index } }),
});
const ARTIFACTS = [{ kind: 'text' }, { kind: 'screenshot-viewport' }, shot(1), shot(2)];

describe('the screenshot indicator boxes are drawn over', () => {
  test('the first full-page segment of an ordinary capture', () => {
    expect(overlayScreenshot({ artifacts: ARTIFACTS })).toBe(ARTIFACTS[2]);
    expect(overlayScreenshot({ artifacts: [{ kind: 'text' }, shot()] })?.kind).toBe('screenshot');
    expect(overlayScreenshot({ artifacts: [{ kind: 'text' }] })).toBeUndefined();
  });
  test('a restricted capture: only its placeholder screenshot, none when not taken or withdrawn', () => {
    const restricted = (screenshots: 'placeholders' | 'none' | 'withdrawn') => ({
      artifacts: ARTIFACTS,
      restricted: true as const,
      restriction: { screenshots, notKept: [] },
    });
    expect(overlayScreenshot(restricted('placeholders'))).toBe(ARTIFACTS[2]);
    expect(overlayScreenshot(restricted('none'))).toBeUndefined();
    expect(overlayScreenshot(restricted('withdrawn'))).toBeUndefined();
    expect(overlayScreenshot({ artifacts: ARTIFACTS, restricted: true })).toBeUndefined();
  });
});
