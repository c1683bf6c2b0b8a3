import { isIP } from 'node:net';
import { AppError } from '../../../shared/errors/app-error';

/**
 * The capture layer's own last check on a URL (DESIGN §9): intake normalises and refuses earlier,
 * but a browser must never be pointed at `file:`, `chrome:` or `javascript:` whoever calls it.
 */
export function checkCaptureUrl(raw: string, opts: { allowPrivateNetwork: boolean }): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('intake.bad-url', `Not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('intake.scheme-refused', `Only http and https can be captured, not ${url.protocol}`);
  }
  if (!opts.allowPrivateNetwork && isPrivateHost(url.hostname)) {
    throw new AppError(
      'intake.private-address',
      `${url.hostname} is a loopback or private address; the capture profile does not allow it`,
    );
  }
  return url;
}

/** Literal addresses and `localhost` only: names are resolved by the browser, not here. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (family === 6) {
    if (host === '::1' || host === '::') return true;
    if (host.startsWith('fe8') || host.startsWith('fe9') || host.startsWith('fea') || host.startsWith('feb'))
      return true;
    if (host.startsWith('fc') || host.startsWith('fd')) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    return mapped?.[1] !== undefined && isPrivateHost(mapped[1]);
  }
  return false;
}
