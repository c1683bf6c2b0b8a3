import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { startHttpBridge, type HttpBridge } from '@core/bridge/http-bridge';
import { listAudit } from '@core/custody/audit-log';
import { createIntakeService } from '@core/intake/intake-service';
import { createArtifactAccess } from '@core/media/artifact-access';
import { revealGrantsOf } from '@core/media/reveal-grants';
import type { Session } from '@core/rpc/dispatch';
import { serveEvidenceRequest, type EvidenceDeps } from '@main/evidence-protocol';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { CHROMIUM } from '@tests/helpers/chromium';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

const PASSWORD = 'correct horse battery';

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
let bridge: HttpBridge;
let capture: CaptureRecord;
let screenshot = '';
let textSha = '';
/** The bridge session of `ivan`: its cookie and the key the page holds. */
let cookie = '';
let key = '';

const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const auditTotal = async (action?: string) =>
  (await backend.workspace.db.read((c) => listAudit(c, { limit: 1, ...(action ? { action } : {}) }))).total;

async function get(sha: string, query = ''): Promise<{ status: number; body: Buffer; cache: string | null }> {
  const reply = await fetch(`${bridge.url}/s/${key}/artifacts/${sha}${query}`, { headers: { cookie } });
  return {
    status: reply.status,
    body: Buffer.from(await reply.arrayBuffer()),
    cache: reply.headers.get('cache-control'),
  };
}

async function rpc(method: string, input: unknown): Promise<{ ok: boolean; value?: unknown }> {
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
  return (await reply.json()) as { ok: boolean; value?: unknown };
}

/** Width, height and colour type from a PNG's IHDR (ISO/IEC 15948 §11.2.2). */
const pngHeader = (png: Buffer) => ({
  width: png.readUInt32BE(16),
  height: png.readUInt32BE(20),
  colourType: png[25],
});

beforeAll(async () => {
  dir = tempDir('vigil-artifact-access-');
  site = await startFixtureSite();
  backend = await createBackend({ dataDir: join(dir.path, 'data'), env: { VIGIL_BROWSER: CHROMIUM } });
  await backend.users.create({ name: 'admin', role: 'admin', password: PASSWORD }, 'setup');
  for (const name of ['ivan', 'olga'])
    await backend.users.create({ name, role: 'investigator', password: PASSWORD }, 'admin');
  const { resource } = await createIntakeService(backend.workspace).addReport(
    { url: `${site.http}/?case=sensitive`, sourceType: 'volunteer' },
    { actor: 'ivan', allowPrivateNetwork: true },
  );
  capture = await backend.captures.captureResource(resource.id, {
    operator: 'ivan',
    allowPrivateNetwork: true,
    tsaUrl: null,
    timeoutSeconds: 60,
  });
  expect(capture.outcome).toBe('complete');
  screenshot = capture.artifacts.find((a) => a.kind === 'screenshot')?.sha256 ?? '';
  textSha = capture.artifacts.find((a) => a.kind === 'text')?.sha256 ?? '';
  bridge = await startHttpBridge({ backend, staticDir: null });
  const auth = await fetch(bridge.loginUrl, { redirect: 'manual' });
  cookie = (auth.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  key = auth.headers.get('x-vigil-session') ?? '';
  expect(await rpc('session.signIn', { name: 'ivan', password: PASSWORD })).toMatchObject({ ok: true });
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('the loopback bridge serves sensitive images only blurred or through a reveal', () => {
  it('blurs every image by default; an admin may turn that off for ordinary resources', async () => {
    expect(sha256Of((await get(screenshot)).body)).not.toBe(screenshot);
    await backend.settings.update({ blurAllMedia: false }, 'admin');
    const reply = await get(screenshot);
    expect(reply.status).toBe(200);
    expect(sha256Of(reply.body)).toBe(screenshot);
  });

  it('serves it blurred and greyscale once the resource concerns minors, and logs nothing', async () => {
    // A second report of the same URL puts the resource in the `minors` category.
    await createIntakeService(backend.workspace).addReport(
      { url: `${site.http}/?case=sensitive`, sourceType: 'volunteer', category: 'minors' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    const before = await auditTotal();
    const reply = await get(screenshot);
    expect(reply.status).toBe(200);
    expect(sha256Of(reply.body)).not.toBe(screenshot);
    const original = backend.workspace.blobs.pathOf(screenshot);
    const { readFileSync } = await import('node:fs');
    const stored = pngHeader(readFileSync(original));
    // Same size (the viewer's layout holds), but greyscale (colour type 0) and without the detail.
    expect(pngHeader(reply.body)).toEqual({ width: stored.width, height: stored.height, colourType: 0 });
    // Asking for the original without a reveal gets the derivative too.
    const asked = await get(screenshot, '?reveal=1');
    expect(sha256Of(asked.body)).toBe(sha256Of(reply.body));
    expect(asked.cache).not.toMatch(/immutable/);
    // The derivative is made once and kept, named by the original's hash.
    expect(existsSync(join(backend.workspace.paths.root, 'cache', 'blurred', `${screenshot}.png`))).toBe(
      true,
    );
    expect(await auditTotal()).toBe(before);
    // What is not an image (the visible text) is served as before.
    expect(sha256Of((await get(textSha)).body)).toBe(textSha);
  });

  it("keeps a minors resource's page archives (MHTML, WACZ) back unless revealed, then serves them once", async () => {
    for (const kind of ['mhtml', 'wacz'] as const) {
      const sha = capture.artifacts.find((a) => a.kind === kind)?.sha256 ?? '';
      expect(sha, kind).not.toBe('');
      const refused = await get(sha);
      expect(refused.status, kind).toBe(403);
      expect(refused.body.toString('utf8')).toContain('reveal');
      expect((await get(sha, '?reveal=1')).status, kind).toBe(403);
      const reveals = await auditTotal('media.revealed');
      const reveal = await rpc('media.reveal', { resourceId: capture.resourceId, sha256: sha });
      expect(reveal).toMatchObject({ ok: true });
      expect(await auditTotal('media.revealed')).toBe(reveals + 1);
      const revealed = await get(sha, '?reveal=1');
      expect(revealed.status, kind).toBe(200);
      expect(sha256Of(revealed.body)).toBe(sha);
      expect((await get(sha, '?reveal=1')).status, kind).toBe(403);
      // Ended here, so that the exposure counted below is the screenshot's alone.
      const { revealId } = reveal.value as { revealId: string };
      expect(await rpc('media.hide', { revealId, how: 'hidden' })).toMatchObject({ ok: true });
    }
  });

  it('serves the original exactly once after a reveal, which is in the custody log', async () => {
    const resourceId = capture.resourceId;
    const reveals = await auditTotal('media.revealed');
    const reveal = await rpc('media.reveal', { resourceId, sha256: screenshot });
    expect(reveal).toEqual({ ok: true, value: { revealId: expect.stringMatching(/^rvl_/) } });
    expect(await auditTotal('media.revealed')).toBe(reveals + 1);
    const revealed = await get(screenshot, '?reveal=1');
    expect(sha256Of(revealed.body)).toBe(screenshot);
    expect(revealed.cache).toBe('no-store');
    // The grant is used up: the next request is blurred again.
    expect(sha256Of((await get(screenshot, '?reveal=1')).body)).not.toBe(screenshot);
    // Hiding it ends the reveal: the backend measures the duration and the exposure counter sums it.
    const { revealId } = reveal.value as { revealId: string };
    const hidden = await rpc('media.hide', { revealId, how: 'hidden' });
    expect(hidden).toEqual({ ok: true, value: { durationMs: expect.any(Number) } });
    const mine = await rpc('exposure.mine', {});
    expect(mine).toMatchObject({ ok: true, value: { userName: 'ivan', reveals: 3, open: 0 } });
    expect((mine.value as { revealedMs: number }).revealedMs).toBeGreaterThanOrEqual(
      (hidden.value as { durationMs: number }).durationMs,
    );
  });
});

describe('evidence:// (the desktop shell) follows the same rules', () => {
  async function signedIn(name: string): Promise<Session> {
    const session: Session = { user: null };
    const reply = await backend.dispatch(session, 'session.signIn', { name, password: PASSWORD });
    expect(reply.ok).toBe(true);
    return session;
  }
  const access = () => createArtifactAccess(backend);
  /** The deps electron/main gives the handler: the window's session, checked by the core. */
  const depsOf = (session: Session): EvidenceDeps => ({
    signedIn: () => access().signedIn(session, 'evidence'),
    lookup: (sha, reveal) => access().resolve(session, sha, reveal),
    open: () => {
      throw new Error('the core opens the bytes');
    },
  });
  const fetchEvidence = async (session: Session, url: string) => {
    const reply = await serveEvidenceRequest({ url, method: 'GET' }, depsOf(session));
    return { status: reply.status, body: Buffer.from(await reply.arrayBuffer()) };
  };

  it('blurs a sensitive image and gives the original once after a reveal', async () => {
    const olga = await signedIn('olga');
    const blurred = await fetchEvidence(olga, `evidence://blob/${screenshot}`);
    expect(blurred.status).toBe(200);
    expect(sha256Of(blurred.body)).not.toBe(screenshot);
    const reveal = await backend.dispatch(olga, 'media.reveal', {
      resourceId: capture.resourceId,
      sha256: screenshot,
    });
    expect(reveal).toMatchObject({ ok: true, value: { revealId: expect.stringMatching(/^rvl_/) } });
    expect(sha256Of((await fetchEvidence(olga, `evidence://blob/${screenshot}?reveal=1`)).body)).toBe(
      screenshot,
    );
    expect(sha256Of((await fetchEvidence(olga, `evidence://blob/${screenshot}?reveal=1`)).body)).not.toBe(
      screenshot,
    );
  });

  it('refuses a disabled user at once and stops the download under way', async () => {
    const olga = await signedIn('olga');
    const wacz = capture.artifacts.find((a) => a.kind === 'wacz')?.sha256 ?? '';
    // The resource concerns minors by now: its WACZ goes out only through a reveal.
    revealGrantsOf(backend.workspace).grant(olga.user?.id ?? '', wacz);
    const served = await access().resolve(olga, wacz, true);
    if (served === null) throw new Error('the WACZ is not served');
    expect(served.variant).toBe('revealed');
    const stream = served.open();
    const closed = new Promise<void>((done) => stream.once('close', () => done()));
    await backend.users.update({ name: 'olga', disabled: true }, 'admin');
    await closed;
    expect(stream.readableEnded).toBe(false);
    // The next request is refused, with no call of hers in between to notice the change.
    expect((await fetchEvidence(olga, `evidence://blob/${textSha}`)).status).toBe(401);
    expect(olga.user).toBeNull();
    await backend.users.update({ name: 'olga', disabled: false }, 'admin');
  });
});
