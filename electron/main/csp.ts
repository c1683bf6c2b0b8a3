/**
 * The Content-Security-Policy of every app:// response. The renderer's own <meta> policy also applies
 * (both must allow a load), so this one is the outer fence: own scripts only, MUI's emotion needs
 * inline styles, evidence only from the read-only evidence:// scheme, and nothing may frame the app.
 */
export const DESKTOP_APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data: evidence:",
  'media-src evidence:',
  "font-src 'self' data:",
  "connect-src 'self' evidence:",
  'frame-src evidence:',
  'object-src evidence:',
  "worker-src 'none'",
  "manifest-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every app:// response besides the media type and length. */
export const APP_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DESKTOP_APP_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

/**
 * Evidence is shown, never run: `sandbox` gives any document an opaque origin without scripts even if
 * it is opened directly, and `nosniff` stops a captured HTML file typed as text from being rendered.
 */
export const EVIDENCE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': 'sandbox',
  'X-Content-Type-Options': 'nosniff',
  // The Chromium profile must not keep a second, unaudited copy of the evidence.
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
};
