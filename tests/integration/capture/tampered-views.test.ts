import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { openDatabase } from '@core/db/database';
import { createIntakeService } from '@core/intake/intake-service';
import type { CaptureRecord } from '@shared/domain/capture-record';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { CHROMIUM } from '@tests/helpers/chromium';
import { vigil } from '@tests/helpers/cli';
import { startFixtureSite, type FixtureSite } from '@tests/helpers/fixture-site';
import { tempDir } from '@tests/helpers/temp-dir';

// Views show a capture as signed: a row edited in the database is flagged `tampered` and shown with
// its signed manifest's values, in the CLI and over RPC alike.
const EDITED = 'A harmless page';
let dir: { path: string; remove: () => void };
let site: FixtureSite;
let pristine: string;
let edited: string;
let captureId = '';
let resourceId = '';
let signedTitle = '';

beforeAll(async () => {
  dir = tempDir('vigil-tampered-views-');
  site = await startFixtureSite();
  pristine = join(dir.path, 'pristine');
  const backend = await createBackend({ dataDir: pristine, env: { VIGIL_BROWSER: CHROMIUM } });
  try {
    await backend.users.create(
      { name: 'ivan', role: 'investigator', password: 'correct horse battery' },
      'setup',
    );
    const added = await createIntakeService(backend.workspace).addReport(
      { url: `${site.http}/cyrillic`, sourceType: 'volunteer' },
      { actor: 'ivan', allowPrivateNetwork: true },
    );
    const capture = await backend.captures.captureResource(added.resource.id, {
      operator: 'ivan',
      allowPrivateNetwork: true,
      timeoutSeconds: 60,
    });
    captureId = capture.id;
    resourceId = added.resource.id;
    signedTitle = capture.page.title;
  } finally {
    await backend.close();
  }
  expect(signedTitle).not.toBe('');
  // What an attacker with the SQLite file does: drop the append-only trigger, edit the title.
  edited = join(dir.path, 'edited');
  cpSync(pristine, edited, { recursive: true });
  const db = await openDatabase(join(edited, 'vigil.db'));
  try {
    await db.raw.exec(
      `DROP TRIGGER IF EXISTS captures_no_update; UPDATE captures SET record = json_set(record, '$.page.title', '${EDITED}') WHERE id = '${captureId}';`,
    );
  } finally {
    await db.close();
  }
}, 180_000);

afterAll(async () => {
  await site?.close();
  dir?.remove();
});

describe('a capture row edited in the database', () => {
  it('is shown by `show capture` with the manifest title and the tampered flag', async () => {
    const json = await vigil(['--data', edited, 'show', 'capture', captureId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const record = JSON.parse(json.stdout) as CaptureRecord;
    expect(record.page.title).toBe(signedTitle);
    expect(record.tampered).toEqual(['page.title']);
    const text = await vigil(['--data', edited, 'show', 'capture', captureId]);
    expect(text.stdout).toContain('TAMPERED');
    expect(text.stdout).toContain('page.title');
    expect(text.stdout).not.toContain(EDITED);
  });

  it('is flagged by `show resource`, as text and as JSON', async () => {
    const json = await vigil(['--data', edited, 'show', 'resource', resourceId, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const detail = JSON.parse(json.stdout) as { captures: CaptureRecord[] };
    expect(detail.captures[0]?.page.title).toBe(signedTitle);
    expect(detail.captures[0]?.tampered).toEqual(['page.title']);
    const text = await vigil(['--data', edited, 'show', 'resource', resourceId]);
    expect(text.stdout).toMatch(new RegExp(`${captureId}.*\\n\\s+TAMPERED .*page\\.title`));
  });

  it('is flagged in the RPC replies of resources.get and capture.get, with the manifest title', async () => {
    const backend = await createBackend({ dataDir: edited });
    try {
      const detail = valueOf<{ captures: CaptureRecord[] }>(
        await callAs(backend, 'ivan', 'resources.get', { id: resourceId }),
      );
      expect(detail.captures[0]).toMatchObject({ page: { title: signedTitle }, tampered: ['page.title'] });
      const one = valueOf<CaptureRecord>(await callAs(backend, 'ivan', 'capture.get', { id: captureId }));
      expect(one).toMatchObject({ page: { title: signedTitle }, tampered: ['page.title'] });
    } finally {
      await backend.close();
    }
  });

  it('is not flagged when untouched', async () => {
    const json = await vigil(['--data', pristine, 'show', 'capture', captureId, '--json']);
    const record = JSON.parse(json.stdout) as CaptureRecord;
    expect(record.tampered).toBeUndefined();
    expect(record.page.title).toBe(signedTitle);
  });
});
