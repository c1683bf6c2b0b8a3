import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { APP_SECURITY_HEADERS } from './csp';
import { APP_HOST, APP_SCHEME } from './origins';

export type AppPathResult =
  Readonly<{ ok: true; file: string }> | Readonly<{ ok: false; status: 400 | 403 | 404; reason: string }>;

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export const mediaTypeOf = (file: string): string =>
  MEDIA_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';

/**
 * Maps an `app://vigil/<path>` URL to a file under the built renderer. Each decoded path segment must
 * be a plain name: no `.`/`..`, no empty segment (`//` would make an absolute path), no separator
 * hidden by percent-encoding (`..%2f`, `%5c`), no NUL, no drive letter or stream name (`:`). The final
 * path is checked to lie under the root as well, so a mistake in one rule is not enough to escape.
 */
export function resolveAppPath(root: string, rawUrl: string): AppPathResult {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, status: 400, reason: 'unparsable URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST)
    return { ok: false, status: 403, reason: 'not the app origin' };
  if (url.username !== '' || url.password !== '')
    return { ok: false, status: 403, reason: 'credentials in URL' };
  const rawPath = url.pathname === '' || url.pathname === '/' ? '/index.html' : url.pathname;
  const segments: string[] = [];
  for (const encoded of rawPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return { ok: false, status: 400, reason: 'malformed percent-encoding' };
    }
    if (segment === '' || segment === '.' || segment === '..')
      return { ok: false, status: 403, reason: 'path traversal' };
    if (/[/\\:\0]/.test(segment)) return { ok: false, status: 403, reason: 'forbidden character in path' };
    segments.push(segment);
  }
  const base = resolve(root);
  const file = resolve(join(base, ...segments));
  if (!file.startsWith(base + sep)) return { ok: false, status: 403, reason: 'outside the app' };
  return { ok: true, file };
}

export type RequestLike = Readonly<{ url: string; method: string }>;

const plain = (status: number, text: string): Response =>
  new Response(text, {
    status,
    headers: { ...APP_SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
  });

/** The `app://` protocol handler: the built renderer, read-only, with the app's CSP on every reply. */
export async function serveAppRequest(root: string, request: RequestLike): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
  const resolved = resolveAppPath(root, request.url);
  if (!resolved.ok) return plain(resolved.status, resolved.reason);
  const info = await stat(resolved.file).catch(() => null);
  // The renderer routes with the URL hash, so there is no client-side-route fallback to index.html.
  if (info === null || !info.isFile()) return plain(404, 'not found');
  const body = request.method === 'HEAD' ? null : await readFile(resolved.file);
  return new Response(body, {
    status: 200,
    headers: {
      ...APP_SECURITY_HEADERS,
      'Content-Type': mediaTypeOf(resolved.file),
      'Content-Length': String(info.size),
    },
  });
}
