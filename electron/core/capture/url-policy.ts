import { AppError } from '@shared/errors/app-error';
import { isLocalName, isPrivateAddress } from '../intake/address-policy';
import { isAllowedHost } from './request-policy';

/**
 * The capture layer's own last check on a URL (DESIGN §9): intake normalises and refuses earlier,
 * but a browser must never be pointed at `file:`, `chrome:` or `javascript:` whoever calls it.
 */
export function checkCaptureUrl(
  raw: string,
  opts: { allowPrivateNetwork: boolean; allowHosts?: readonly string[] },
): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('intake.bad-url', `Not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('intake.scheme-refused', `Only http and https can be captured, not ${url.protocol}`);
  }
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (
    !opts.allowPrivateNetwork &&
    isPrivateHost(url.hostname) &&
    !isAllowedHost(opts.allowHosts ?? [], url.hostname, port)
  ) {
    throw new AppError(
      'intake.private-address',
      `${url.hostname} is a loopback or private address; the capture profile does not allow it`,
    );
  }
  return url;
}

/**
 * Literal addresses and local names only (names are resolved right before the capture, by the capture
 * service): one address classification for intake and capture, in intake/address-policy.
 */
export function isPrivateHost(hostname: string): boolean {
  return isPrivateAddress(hostname) || isLocalName(hostname);
}
