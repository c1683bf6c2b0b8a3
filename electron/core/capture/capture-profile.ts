import { z } from 'zod';

/**
 * A capture profile fixes everything about the browser that could change what the page shows, so
 * that it can be recorded next to the evidence (DESIGN §4, §4.1).
 */
export const captureProfileSchema = z.object({
  name: z.string().min(1),
  viewport: z.object({
    width: z.number().int().min(200).max(8192),
    height: z.number().int().min(200).max(8192),
    deviceScaleFactor: z.number().min(1).max(4),
    isMobile: z.boolean(),
    hasTouch: z.boolean(),
  }),
  /** null keeps the browser's own user agent (it is recorded either way). */
  userAgent: z.string().min(1).nullable(),
  acceptLanguage: z.string().min(1),
  locale: z.string().min(1),
  timeZone: z.string().min(1),
  /** `http://host:port` or `socks5://host:port`; applied to the capture's browser context only. */
  proxy: z.string().min(1).nullable(),
  /**
   * What a page whose certificate the browser does not trust becomes. `record` (the default): the
   * page is captured and the certificate error is evidence (which error, the chain as presented,
   * `tls.valid: false`, a warning); sites that sell drugs often run on expired or self-signed
   * certificates. `refuse`: the page is not loaded and the capture fails with `capture.tls-failed`.
   */
  certificateErrors: z.enum(['record', 'refuse']),
  /**
   * The older switch for the same choice, kept so that existing profiles and requests mean what they
   * meant: `false` refuses (as `certificateErrors: 'refuse'`), `true` or absent leaves it to
   * `certificateErrors`.
   */
  ignoreHttpsErrors: z.boolean().optional(),
  allowPrivateNetwork: z.boolean(),
  /**
   * `HOST[:PORT]` entries a capture may reach whatever their address (a lab network), while every
   * other private or loopback address stays refused — the narrow sibling of `allowPrivateNetwork`.
   */
  allowHosts: z.array(z.string().min(1).max(300)).max(100).optional(),
  timeouts: z.object({
    navigateMs: z.number().int().positive(),
    settleMs: z.number().int().positive(),
    snapshotMs: z.number().int().positive(),
    archiveMs: z.number().int().positive(),
    totalMs: z.number().int().positive(),
    /**
     * How long the network must stay quiet before the page counts as settled, when the page has
     * requested nothing since its load event.
     */
    networkQuietMs: z.number().int().positive(),
    /**
     * The longer quiet window for a page that keeps loading on its own after its load event
     * (timers, XHR, a client-side redirect, lazy content found by the scroll-through): a page that
     * has shown it loads late is given more time to finish.
     */
    activeQuietMs: z.number().int().positive(),
  }),
  /**
   * How long after its load the capture follows the navigations a page has scheduled (a meta
   * refresh with a delay, `location` set from a timer, a form submitted from script) to where they
   * land. A page still moving when it passes is `partial` with `navigate.pending-redirect`.
   * Profiles stored before it existed get the default.
   */
  scheduledNavigationMs: z.number().int().nonnegative().max(60_000).default(5_000),
  scroll: z.object({
    /** Lazy/infinite pages are scrolled at most this far (CSS px) before the snapshot. */
    maxHeightPx: z.number().int().positive(),
    maxSteps: z.number().int().positive(),
  }),
  screenshot: z.object({
    /** Pages up to this height (CSS px × scale ≤ GPU texture limit) are shot in one image. */
    singleShotMaxPx: z.number().int().positive(),
    /** Taller pages are cut into ordered segments of this many CSS px (8–16k, DESIGN §11). */
    segmentHeightPx: z.number().int().min(1024).max(16384),
  }),
});

export type CaptureProfile = Readonly<z.infer<typeof captureProfileSchema>>;

const DEFAULT_TIMEOUTS: CaptureProfile['timeouts'] = {
  navigateMs: 30_000,
  settleMs: 30_000,
  snapshotMs: 60_000,
  archiveMs: 60_000,
  totalMs: 180_000,
  networkQuietMs: 100,
  activeQuietMs: 500,
};

export const DESKTOP_PROFILE: CaptureProfile = {
  name: 'desktop',
  viewport: { width: 1366, height: 768, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  userAgent: null,
  acceptLanguage: 'en-US,en;q=0.9',
  locale: 'en-US',
  timeZone: 'UTC',
  proxy: null,
  certificateErrors: 'record',
  allowPrivateNetwork: false,
  timeouts: DEFAULT_TIMEOUTS,
  scheduledNavigationMs: 5_000,
  scroll: { maxHeightPx: 100_000, maxSteps: 200 },
  screenshot: { singleShotMaxPx: 16_384, segmentHeightPx: 8_192 },
};

export const MOBILE_PROFILE: CaptureProfile = {
  ...DESKTOP_PROFILE,
  name: 'mobile',
  viewport: { width: 390, height: 844, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/136.0.0.0 Mobile Safari/537.36',
};

export const CAPTURE_PRESETS = { desktop: DESKTOP_PROFILE, mobile: MOBILE_PROFILE } as const;
export type CapturePresetName = keyof typeof CAPTURE_PRESETS;

/** Whether certificate errors are recorded (the page captured) or refused: either setting can refuse. */
export function certificateErrorPolicy(
  profile: Pick<CaptureProfile, 'certificateErrors' | 'ignoreHttpsErrors'>,
): 'record' | 'refuse' {
  return profile.certificateErrors === 'refuse' || profile.ignoreHttpsErrors === false ? 'refuse' : 'record';
}

export function parseCaptureProfile(value: unknown): CaptureProfile {
  return captureProfileSchema.parse(value);
}
