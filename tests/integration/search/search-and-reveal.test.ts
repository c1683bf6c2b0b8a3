import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { ftsQuery } from '@core/db/repositories/search-repo';
import type { Session } from '@core/rpc/dispatch';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let site: FixtureSite;
let backend: Backend;
const admin: Session = { user: null };
let resourceId = '';
let screenshotSha = '';

beforeAll(async () => {
  dir = tempDir();
  site = await startFixtureSite();
  backend = await createBackend({
    dataDir: dir.path,
    env: { VIGIL_BROWSER: process.env.VIGIL_BROWSER ?? '/usr/bin/chromium' },
  });
  await backend.dispatch(admin, 'session.setupAdmin', { name: 'admin', password: 'first admin password' });
  await backend.dispatch(admin, 'settings.update', { allowPrivateNetwork: true });
  const added = await backend.dispatch(admin, 'reports.add', {
    url: `${site.http}/cyrillic`,
    note: 'seller asks for bitcoin',
    category: 'minors',
  });
  resourceId = (added as { value: { resource: { id: string } } }).value.resource.id;
  const record = await backend.captures.captureResource(resourceId, { operator: 'admin', tsaUrl: null });
  screenshotSha = record.artifacts.find((a) => a.kind === 'screenshot')?.sha256 ?? '';
});
afterAll(async () => {
  await backend?.close();
  await site?.close();
  dir?.remove();
});

describe('search', () => {
  it('finds captured text in any case and marks the match without HTML', async () => {
    const res = await backend.dispatch(admin, 'search.query', { text: 'ПРИВЕТ' });
    expect(res).toMatchObject({
      ok: true,
      value: [expect.objectContaining({ resourceId, captureId: expect.stringMatching(/^cap_/) })],
    });
    const snippet = res.ok ? (res.value as { snippet: string }[])[0]?.snippet : '';
    expect(snippet).toMatch(/\uE000Привет\uE001/i);
  });

  it('finds report notes', async () => {
    const res = await backend.dispatch(admin, 'search.query', { text: 'bitcoin' });
    expect(res).toMatchObject({ ok: true, value: [expect.objectContaining({ resourceId })] });
  });

  it('treats query syntax as plain words, never as an FTS expression', async () => {
    for (const text of ['"unbalanced', 'a OR NEAR(', '*', 'title:x', "'; DROP TABLE audit; --"]) {
      const res = await backend.dispatch(admin, 'search.query', { text });
      expect(res.ok, text).toBe(true);
    }
    expect(ftsQuery('say "hi" now')).toBe('"say" """hi""" "now"');
    expect(ftsQuery('   ')).toBeNull();
  });
});

describe('revealing sensitive media', () => {
  it('is a custody event naming the image', async () => {
    expect(await backend.dispatch(admin, 'media.reveal', { resourceId, sha256: screenshotSha })).toEqual({
      ok: true,
      value: { revealId: expect.stringMatching(/^rvl_[0-9a-f]{24}$/) },
    });
    const rows = await backend.dispatch(admin, 'audit.list', {
      subject: `resource:${resourceId}`,
      action: 'media.revealed',
      limit: 5,
    });
    expect(rows).toMatchObject({
      ok: true,
      value: {
        rows: [
          expect.objectContaining({
            actor: 'admin',
            details: expect.objectContaining({ sha256: screenshotSha }),
          }),
        ],
      },
    });
  });

  it('refuses an image that is not among the resource’s captures', async () => {
    expect(
      await backend.dispatch(admin, 'media.reveal', { resourceId, sha256: 'a'.repeat(64) }),
    ).toMatchObject({ ok: false, error: { code: 'evidence.not-found' } });
  });
});
