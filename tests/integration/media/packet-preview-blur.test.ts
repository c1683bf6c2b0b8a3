import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { listAudit } from '@core/custody/audit-log';
import { createIntakeService } from '@core/intake/intake-service';
import { CHROMIUM } from '@tests/helpers/chromium';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * The packet preview shows pages as images rendered by the backend, never the PDF: a page that
 * draws the capture's screenshot is served blurred and greyscale until the reviewer reveals that
 * page, and the reveal (with its duration) is in the custody log like a screenshot's.
 */

const PASSWORD = 'correct horse battery';

type Page = { page: number; sha256: string; width: number; height: number; sensitive: boolean };

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
let bridge: HttpBridge;
let resourceId = '';
let pages: Page[] = [];
let cookie = '';
let key = '';

const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const colourType = (png: Buffer): number | undefined => png[25];
const audits = async (action: string) =>
  (await backend.workspace.db.read((c) => listAudit(c, { action, limit: 50 }))).rows;

async function get(sha: string, query = ''): Promise<{ status: number; body: Buffer }> {
  const reply = await fetch(`${bridge.url}/s/${key}/artifacts/${sha}${query}`, { headers: { cookie } });
  return { status: reply.status, body: Buffer.from(await reply.arrayBuffer()) };
}

async function rpc<T>(method: string, input: unknown): Promise<{ ok: boolean; value?: T; error?: unknown }> {
  const reply = await fetch(`${bridge.url}/rpc`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Vigil-Request': '1',
      'X-Vigil-Session': key,
      cookie,
    },
    body: JSON.stringify({ method, input }),
  });
  return (await reply.json()) as { ok: boolean; value?: T; error?: unknown };
}

beforeAll(async () => {
  dir = tempDir('vigil-packet-preview-');
  site = await startFixtureSite();
  backend = await createBackend({ dataDir: join(dir.path, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  await backend.users.create({ name: 'vera', role: 'reviewer', password: PASSWORD }, 'admin');
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=sensitive`, sourceType: 'volunteer' },
    { actor: 'admin', allowPrivateNetwork: true },
  );
  resourceId = resource.id;
  const capture = await backend.captures.captureResource(resource.id, {
    operator: 'admin',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  bridge = await startHttpBridge({ backend, staticDir: null });
  const auth = await fetch(bridge.loginUrl, { redirect: 'manual' });
  cookie = (auth.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  key = auth.headers.get('x-vigil-session') ?? '';
  expect(await rpc('session.signIn', { name: 'vera', password: PASSWORD })).toMatchObject({ ok: true });
  const packet = await rpc<{ sha256: string }>('packet.render', { resourceId, language: 'en' });
  expect(packet.ok, JSON.stringify(packet.error)).toBe(true);
  const listed = await rpc<Page[]>('packet.pages', { resourceId, sha256: packet.value?.sha256 });
  expect(listed.ok, JSON.stringify(listed.error)).toBe(true);
  pages = listed.value ?? [];
}, 180_000);

afterAll(async () => {
  await bridge?.close();
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('the packet preview shows pages blurred by default', () => {
  it('lists every page as an image; text-only pages are not sensitive, screenshot pages are', () => {
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((p) => p.page)).toEqual(pages.map((_, i) => i + 1));
    expect(pages.some((p) => p.sensitive)).toBe(true);
    // The cover (title, hashes, custody facts) draws no captured image: no blur needed.
    expect(pages[0]?.sensitive).toBe(false);
  });

  it('serves a text page as it is, and a screenshot page only blurred and greyscale', async () => {
    const cover = pages[0] as Page;
    const plain = await get(cover.sha256);
    expect(plain.status).toBe(200);
    expect(sha256Of(plain.body)).toBe(cover.sha256);
    const shot = pages.find((p) => p.sensitive) as Page;
    const blurred = await get(shot.sha256);
    expect(blurred.status).toBe(200);
    expect(sha256Of(blurred.body)).not.toBe(shot.sha256);
    expect(colourType(blurred.body)).toBe(0);
    expect(blurred.body.readUInt32BE(16)).toBe(shot.width);
    // Asking for the original without a reveal still gets the derivative.
    expect(sha256Of((await get(shot.sha256, '?reveal=1')).body)).toBe(sha256Of(blurred.body));
    // Something neither stored nor a preview page is not found.
    expect((await get('cd'.repeat(32))).status).toBe(404);
  });

  it('reveals one page per click, once, logged with the page and its duration', async () => {
    const shot = pages.find((p) => p.sensitive) as Page;
    const before = (await audits('media.revealed')).length;
    const reveal = await rpc<{ revealId: string }>('media.reveal', { resourceId, sha256: shot.sha256 });
    expect(reveal.ok, JSON.stringify(reveal.error)).toBe(true);
    const logged = await audits('media.revealed');
    expect(logged.length).toBe(before + 1);
    expect(logged[0]?.details).toMatchObject({ sha256: shot.sha256, page: shot.page });
    expect(sha256Of((await get(shot.sha256, '?reveal=1')).body)).toBe(shot.sha256);
    // The grant is used up: the next load (navigation back to the preview) is blurred again.
    expect(sha256Of((await get(shot.sha256, '?reveal=1')).body)).not.toBe(shot.sha256);
    const hidden = await rpc<{ durationMs: number }>('media.hide', {
      revealId: reveal.value?.revealId,
      how: 'left',
    });
    expect(hidden).toMatchObject({ ok: true, value: { durationMs: expect.any(Number) } });
    const ended = await audits('media.reveal-ended');
    expect(ended[0]?.details).toMatchObject({
      revealId: reveal.value?.revealId,
      how: 'left',
      sha256: shot.sha256,
    });
    expect(await rpc('exposure.mine', {})).toMatchObject({ ok: true, value: { reveals: 1, open: 0 } });
  });

  it('refuses to reveal a page under another resource, or a packet that is not the resource’s', async () => {
    const shot = pages.find((p) => p.sensitive) as Page;
    const { resource: other } = await createIntakeService(backend.workspace).addReport(
      { url: `${site.http}/?case=other`, sourceType: 'volunteer' },
      { actor: 'admin', allowPrivateNetwork: true },
    );
    expect(await rpc('media.reveal', { resourceId: other.id, sha256: shot.sha256 })).toMatchObject({
      ok: false,
      error: { code: 'evidence.not-found' },
    });
    expect(await rpc('packet.pages', { resourceId: other.id, sha256: 'ef'.repeat(32) })).toMatchObject({
      ok: false,
      error: { code: 'evidence.not-found' },
    });
  });
});
