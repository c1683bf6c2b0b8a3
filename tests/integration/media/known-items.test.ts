import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { hashMedia } from '@core/media/media-hashes';
import { createMediaMatcher } from '@core/media/media-matcher';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { generatedImage, pngOf } from '@tests/helpers/generated-images';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * A capture recognises an item by a list entry or by an earlier assessment: a deployment that has
 * imported no list still labels what its reviewers have already assessed.
 */
let dir: { path: string; remove: () => void };
let backend: Backend;

beforeAll(async () => {
  dir = tempDir('vigil-known-items-');
  backend = await createBackend({ dataDir: join(dir.path, 'data') });
  await backend.users.create({ name: 'admin', role: 'admin', password: 'a long enough password' }, 'setup');
  await backend.users.create({ name: 'rita', role: 'reviewer', password: 'a long enough password' }, 'admin');
});

afterAll(async () => {
  await backend?.close();
  dir?.remove();
});

it('knows an item from an assessment alone, with no list imported', async () => {
  const matcher = createMediaMatcher({ ws: backend.workspace });
  expect(await matcher.hasKnownItems()).toBe(false);
  const item = hashMedia(pngOf(generatedImage('gradient-shapes', 320, 240, 41)), 'image/png');
  valueOf(
    await callAs(backend, 'rita', 'media.assess', {
      sha256: item.sha256,
      md5: item.md5,
      pdq: item.pdq,
      label: 'csam.assessed',
      captureId: 'cap_0123456789ab',
    }),
  );
  expect(await matcher.hasLists()).toBe(false);
  expect(await matcher.hasKnownItems()).toBe(true);
  expect(await matcher.assessmentFor(item)).toMatchObject({ label: 'csam.assessed', assessedBy: 'rita' });
});
