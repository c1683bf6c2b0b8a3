import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { APP_CSP, startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { PACKET_CSP } from '@core/bridge/packet-csp';
import { registerBlob } from '@core/db/repositories/blobs-repo';
import { createIntakeService } from '@core/intake/intake-service';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';
import { CHROMIUM, launchChromium } from '@tests/helpers/chromium';

const PASSWORD = 'correct horse battery';
/** Chromium's built-in PDF viewer: its frame appears only when a PDF is actually being displayed. */
const PDF_VIEWER = 'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/';

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
let bridge: HttpBridge;
let browser: Browser;
let profile: string;
let cookie: string;
/** The session key the bridge hands over with the cookie (the app page keeps it in sessionStorage). */
let key: string;
let packetSha: string;
let strayPdfSha: string;
let capture: CaptureRecord;

const artifact = (sha256: string) =>
  fetch(`${bridge.url}/artifacts/${sha256}`, { headers: { cookie, 'x-vigil-session': key } });
/** How the app page addresses an artifact: a page cannot add headers to <object>, so the key rides along. */
const keyedUrl = (sha256: string) => `${bridge.url}/s/${key}/artifacts/${sha256}`;

beforeAll(async () => {
  dir = tempDir('vigil-bridge-packet-');
  site = await startFixtureSite();
  backend = await createBackend({ dataDir: join(dir.path, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'setup');
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=bridge`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  capture = await backend.captures.captureResource(resource.id, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  const ivan = await backend.users.byName('ivan');
  const rendered = await backend.dispatch({ user: ivan }, 'packet.render', { resourceId: resource.id });
  if (!rendered.ok) throw new Error(rendered.error.message);
  packetSha = (rendered.value as { sha256: string }).sha256;

  // The same document stored as a plain blob that no table names as a packet: the control case.
  const stray = join(dir.path, 'stray.pdf');
  writeFileSync(
    stray,
    Buffer.concat([readFileSync(backend.workspace.blobs.pathOf(packetSha)), Buffer.from('\n')]),
  );
  const stored = await backend.workspace.blobs.putFile(stray);
  await backend.workspace.db.write((tx) => registerBlob(tx, stored, new Date().toISOString()));
  strayPdfSha = stored.sha256;

  // A page on the bridge's own origin, served under the app's CSP, embedding the packet exactly as the
  // review screen does (renderer/src/features/review/packet-preview.tsx).
  const staticDir = join(dir.path, 'ui');
  await mkdir(staticDir);
  writeFileSync(
    join(staticDir, 'review.html'),
    `<!doctype html><html><body><object data="/s/KEY/artifacts/${packetSha}" type="application/pdf" width="800" height="600" data-testid="packet-object"></object></body></html>`,
  );
  bridge = await startHttpBridge({ backend, port: 0, staticDir });
  const auth = await fetch(bridge.loginUrl, { redirect: 'manual' });
  cookie = (auth.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^vigil_session_\d+=/);
  key = auth.headers.get('x-vigil-session') ?? '';
  const reviewHtml = join(staticDir, 'review.html');
  writeFileSync(reviewHtml, readFileSync(reviewHtml, 'utf8').replace('KEY', key));
  const signIn = await fetch(`${bridge.url}/rpc`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', 'x-vigil-request': '1', 'x-vigil-session': key },
    body: JSON.stringify({ method: 'session.signIn', input: { name: 'ivan', password: PASSWORD } }),
  });
  expect(((await signIn.json()) as { ok: boolean }).ok).toBe(true);

  profile = await mkdtemp(join(tmpdir(), 'vigil-bridge-chrome-'));
  browser = await launchChromium(profile);
  // The control case below is a download: refuse it rather than write into someone's home folder.
  const cdp = await browser.target().createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'deny' });
  const [name, value] = cookie.split('=') as [string, string];
  await browser.setCookie({
    name,
    value,
    domain: '127.0.0.1',
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
  await bridge?.close();
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('the HTTP bridge serves review packets as PDF documents', () => {
  it('serves a packet as application/pdf, not sniffed, with scripts and network forbidden', async () => {
    const res = await artifact(packetSha);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(PACKET_CSP);
    for (const directive of ["default-src 'none'", "script-src 'none'", "connect-src 'none'"])
      expect(csp).toContain(directive);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(readFileSync(backend.workspace.blobs.pathOf(packetSha)))).toBe(true);
  });

  it('still serves captured artifacts sandboxed, and an unnamed blob as opaque bytes', async () => {
    const dom = capture.artifacts.find((a) => a.kind === 'dom');
    expect(dom?.mediaType).toMatch(/^text\/html/);
    const html = await artifact(dom?.sha256 ?? '');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe(dom?.mediaType);
    expect(html.headers.get('content-security-policy')).toBe('sandbox');
    expect(html.headers.get('x-content-type-options')).toBe('nosniff');
    await html.arrayBuffer();

    const stray = await artifact(strayPdfSha);
    expect(stray.headers.get('content-type')).toBe('application/octet-stream');
    expect(stray.headers.get('content-security-policy')).toBe('sandbox');
    await stray.arrayBuffer();
  });

  it('refuses a packet to a session that has not signed in', async () => {
    const auth = await fetch(bridge.loginUrl, { redirect: 'manual' });
    const anonymous = (auth.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const anonymousKey = auth.headers.get('x-vigil-session') ?? '';
    const res = await fetch(`${bridge.url}/artifacts/${packetSha}`, {
      headers: { cookie: anonymous, 'x-vigil-session': anonymousKey },
    });
    expect(res.status).toBe(401);
    await res.arrayBuffer();
  });

  it('displays in headless Chromium inside the app page: the PDF viewer frame opens for the packet', async () => {
    const page = await browser.newPage();
    try {
      const viewer = page.waitForFrame((f) => f.url().startsWith(PDF_VIEWER), { timeout: 30_000 });
      const response = await page.goto(`${bridge.url}/review.html`, { waitUntil: 'load' });
      expect(response?.headers()['content-security-policy']).toBe(APP_CSP);
      await viewer;
      expect(page.frames().some((f) => f.url() === keyedUrl(packetSha))).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('opens the packet in the viewer on its own, while opaque bytes are only downloadable (control)', async () => {
    const page = await browser.newPage();
    try {
      const viewer = page.waitForFrame((f) => f.url().startsWith(PDF_VIEWER), { timeout: 30_000 });
      await page.goto(keyedUrl(packetSha), { waitUntil: 'load' });
      await viewer;
      // application/octet-stream + nosniff is never displayed: Chromium aborts the navigation.
      await expect(page.goto(keyedUrl(strayPdfSha))).rejects.toThrow(/ERR_ABORTED/);
    } finally {
      await page.close();
    }
  });
});
