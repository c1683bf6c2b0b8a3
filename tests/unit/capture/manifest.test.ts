import { describe, expect, it } from 'vitest';
import { CaptureManifestV2, MANIFEST_FORMAT } from '@core/capture/manifest';
import { CaptureContext } from '@shared/domain/capture-record';

const SHA = 'a'.repeat(64);

/** A manifest with every provenance field the issue requires, as sealing writes it. */
function fullManifest(): Record<string, unknown> {
  return {
    format: MANIFEST_FORMAT,
    captureId: 'cap_1',
    resourceId: 'res_1',
    url: 'https://example.test/',
    finalUrl: 'https://example.test/',
    outcome: 'complete',
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: '2026-12-01T10:00:02.000Z',
    http: { status: 200, headers: {}, remoteAddress: '192.0.2.1:443', protocol: 'h2' },
    redirects: [],
    certificateErrorsIgnored: false,
    page: { title: 't', lang: 'en', textLength: 1, outlinks: 0 },
    context: {
      provenanceVersion: 2,
      operator: 'ivan',
      workstation: 'ws-1',
      os: 'Linux 6.1 x64',
      app: { name: 'Vigil', version: '0.1.0', commit: 'b'.repeat(40), commitSource: 'embedded' },
      browser: { product: 'Chrome', version: '136.0.0.0' },
      userAgent: 'Mozilla/5.0',
      viewport: { width: 1366, height: 768, deviceScaleFactor: 1, isMobile: false },
      locale: 'en-US',
      timeZone: 'UTC',
      proxy: null,
      profile: 'desktop',
      profileVersion: SHA,
      clockOffset: {
        status: 'measured',
        server: 'pool.ntp.example:123',
        offsetMs: 12,
        roundTripMs: 30,
        thresholdMs: 1000,
        measuredAt: '2026-12-01T09:59:59.000Z',
      },
      egress: { status: 'known', address: '198.51.100.4', endpoint: 'https://ip.example/' },
    },
    dialogs: [],
    popups: [],
    downloads: [],
    warnings: [],
    artifacts: [
      {
        kind: 'screenshot',
        name: 'screenshot.png',
        mediaType: 'image/png',
        bytes: 10,
        sha256: SHA,
        derivedFrom: ['dom@2026-12-01T10:00:01.000Z'],
        method: 'Page.captureScreenshot {format:png}',
      },
    ],
    workstation: { name: 'ws-1', keyId: 'k1' },
    servers: [{ url: 'https://example.test/', status: 200, address: '192.0.2.1:443' }],
  };
}

/** Every provenance field of the issue, as a path into the manifest. */
const REQUIRED: readonly string[] = [
  'context.provenanceVersion',
  'context.operator',
  'context.workstation',
  'context.os',
  'context.app.version',
  'context.app.commit',
  'context.app.commitSource',
  'context.browser.product',
  'context.browser.version',
  'context.userAgent',
  'context.viewport',
  'context.viewport.width',
  'context.viewport.deviceScaleFactor',
  'context.locale',
  'context.timeZone',
  'context.proxy',
  'context.profile',
  'context.profileVersion',
  'context.clockOffset',
  'context.clockOffset.offsetMs',
  'context.clockOffset.roundTripMs',
  'context.egress',
  'context.egress.address',
  'servers',
  'servers.0.address',
  'artifacts.0.derivedFrom',
  'artifacts.0.method',
];

function without(manifest: Record<string, unknown>, dotted: string): Record<string, unknown> {
  const copy = structuredClone(manifest);
  const keys = dotted.split('.');
  const last = keys.pop() as string;
  let at: unknown = copy;
  for (const k of keys) at = (at as Record<string, unknown>)[k];
  delete (at as Record<string, unknown>)[last];
  return copy;
}

describe('the capture manifest schema (provenance version 2)', () => {
  it('accepts a manifest with every provenance field', () => {
    const parsed = CaptureManifestV2.safeParse(fullManifest());
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it.each(REQUIRED)('refuses a manifest without %s', (field) => {
    expect(CaptureManifestV2.safeParse(without(fullManifest(), field)).success).toBe(false);
  });

  it('states an unknown clock or address with its reason, never by leaving it out', () => {
    const m = fullManifest();
    const context = m['context'] as Record<string, unknown>;
    context['clockOffset'] = { status: 'unknown', server: null, reason: 'no time server is configured' };
    context['egress'] = { status: 'unknown', endpoint: null, reason: 'no endpoint' };
    expect(CaptureManifestV2.safeParse(m).success).toBe(true);
    expect(CaptureManifestV2.safeParse(without(m, 'context.clockOffset.reason')).success).toBe(false);
  });

  it('still reads the context of a record stored before provenance version 2', () => {
    const old = {
      operator: 'ivan',
      workstation: 'ws-1',
      os: 'Linux',
      app: { name: 'Vigil', version: '0.1.0' },
      browser: { product: 'Chrome', version: '136' },
      userAgent: 'Mozilla/5.0',
      viewport: { width: 1366, height: 768, deviceScaleFactor: 1, isMobile: false },
      locale: 'en-US',
      timeZone: 'UTC',
      proxy: null,
      profile: 'desktop',
    };
    expect(CaptureContext.safeParse(old).success).toBe(true);
  });
});
