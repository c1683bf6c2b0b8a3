/**
 * Review packets are PDFs Vigil rendered itself, not captured content, and must display in the review
 * screen. Chromium refuses to show a PDF in a sandboxed frame (measured with Chromium 156: an
 * <iframe sandbox> gets an error page), and whether the `sandbox` response header has the same effect
 * differs between builds, so packets go without `sandbox` but with every fetch directive at 'none':
 * no script and no network from the document, and framed only by the app itself. The PDF viewer
 * runs in its own extension frame, which this policy does not reach (measured: it renders under it).
 */
export const PACKET_CSP = [
  "default-src 'none'",
  "script-src 'none'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join('; ');
