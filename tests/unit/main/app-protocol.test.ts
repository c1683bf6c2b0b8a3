import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAppPath, serveAppRequest } from '@main/app-protocol';
import { DESKTOP_APP_CSP } from '@main/csp';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'vigil-app-protocol-'));
  root = join(base, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Vigil</title>');
  await writeFile(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(join(root, 'assets', 'a b.css'), 'body{}');
  // A file next to the renderer folder that traversal would reach.
  await writeFile(join(base, 'secret.txt'), 'not for the UI');
  await writeFile(join(base, 'renderer-evil.txt'), 'prefix sibling');
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('app:// path resolution', () => {
  it('maps the root and assets to files under the renderer folder', () => {
    expect(resolveAppPath(root, 'app://vigil/')).toEqual({ ok: true, file: join(root, 'index.html') });
    expect(resolveAppPath(root, 'app://vigil/assets/index-abc.js#/x')).toEqual({
      ok: true,
      file: join(root, 'assets', 'index-abc.js'),
    });
    expect(resolveAppPath(root, 'app://vigil/assets/a%20b.css?v=1')).toEqual({
      ok: true,
      file: join(root, 'assets', 'a b.css'),
    });
  });

  it.each([
    'app://vigil/..%2fsecret.txt',
    'app://vigil/assets/..%2F..%2Fsecret.txt',
    'app://vigil/%2e%2e%2fsecret.txt',
    'app://vigil/..%5csecret.txt',
    'app://vigil/assets%2f..%2f..%2fsecret.txt',
    'app://vigil/%2fetc%2fpasswd',
    'app://vigil//etc/passwd',
    'app://vigil/C:%5cWindows%5cwin.ini',
    'app://vigil/c:/Windows/win.ini',
    'app://vigil/index.html%00.js',
    'app://vigil/assets/index-abc.js%00',
  ])('refuses %s', (url) => {
    const result = resolveAppPath(root, url);
    expect(result.ok).toBe(false);
  });

  it('keeps dot segments that the URL parser resolves inside the root', () => {
    // WHATWG URL parsing removes `%2e%2e/` at the root; what is left must still be under the renderer.
    expect(resolveAppPath(root, 'app://vigil/%2e%2e/renderer-evil.txt')).toEqual({
      ok: true,
      file: join(root, 'renderer-evil.txt'),
    });
    expect(resolveAppPath(root, 'app://vigil/assets/../../secret.txt')).toEqual({
      ok: true,
      file: join(root, 'secret.txt'),
    });
  });

  it('refuses other origins, credentials and malformed encoding', () => {
    expect(resolveAppPath(root, 'app://other/index.html')).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath(root, 'evidence://blob/index.html')).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath(root, 'app://u:p@vigil/index.html')).toMatchObject({ ok: false, status: 403 });
    expect(resolveAppPath(root, 'app://vigil/%E0%A4%A')).toMatchObject({ ok: false, status: 400 });
    expect(resolveAppPath(root, 'no url')).toMatchObject({ ok: false, status: 400 });
  });
});

describe('app:// handler', () => {
  it('serves files with the media type and the strict CSP', async () => {
    const res = await serveAppRequest(root, { url: 'app://vigil/assets/index-abc.js', method: 'GET' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(DESKTOP_APP_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('console.log(1)');
    const index = await serveAppRequest(root, { url: 'app://vigil/index.html', method: 'GET' });
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('answers traversal with 403 and never the file content', async () => {
    const res = await serveAppRequest(root, { url: 'app://vigil/..%2fsecret.txt', method: 'GET' });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('not for the UI');
    expect(res.headers.get('content-security-policy')).toBe(DESKTOP_APP_CSP);
  });

  it('answers missing files and directories with 404 and writes with 405', async () => {
    expect((await serveAppRequest(root, { url: 'app://vigil/nope.js', method: 'GET' })).status).toBe(404);
    expect((await serveAppRequest(root, { url: 'app://vigil/assets', method: 'GET' })).status).toBe(404);
    expect((await serveAppRequest(root, { url: 'app://vigil/index.html', method: 'POST' })).status).toBe(405);
    expect((await serveAppRequest(root, { url: 'app://vigil/index.html', method: 'PUT' })).status).toBe(405);
  });

  it('keeps the CSP strict: own scripts only, no framing, no plugins beyond evidence', () => {
    const directives = new Map(DESKTOP_APP_CSP.split('; ').map((d) => [d.split(' ')[0], d] as const));
    expect(directives.get('script-src')).toBe("script-src 'self'");
    expect(directives.get('frame-ancestors')).toBe("frame-ancestors 'none'");
    expect(directives.get('object-src')).toBe('object-src evidence:');
    expect(directives.get('connect-src')).toBe("connect-src 'self' evidence:");
    expect(DESKTOP_APP_CSP).not.toMatch(/unsafe-eval|https?:|\*/);
  });
});
