import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { auditRowsFrom } from '@core/db/repositories/audit-repo';
import { hashMedia, type MediaHashes } from '@core/media/media-hashes';
import { createMediaMatcher, type MediaMatcher } from '@core/media/media-matcher';
import { createKeyedSettings } from '@core/settings/keyed-settings';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { vigil } from '@tests/helpers/cli';
import { generatedImage, pngOf, resized, toRgba } from '@tests/helpers/generated-images';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * Known-hash lists end to end on a real data dir: imports through the CLI (versions, custody rows,
 * admin only, a bad row refusing the file), matching by each hash kind against the newest version,
 * the PDQ threshold setting, and reviewers' assessments found again by SHA-256 and by PDQ.
 */

const PASSWORD = 'a long enough password';
let dir: { path: string; remove: () => void };
let data: string;
let backend: Backend;
let matcher: MediaMatcher;

const png = (seed: number, w = 480, h = 360) => pngOf(generatedImage('gradient-shapes', w, h, seed));
const asHashes = (bytes: Uint8Array, type: string): MediaHashes => hashMedia(bytes, type);
const query = (h: MediaHashes) => ({ sha256: h.sha256, md5: h.md5, pdq: h.pdq });

/** The same picture as `seed`, smaller and JPEG re-encoded (a copy found elsewhere). */
function copyOf(seed: number): MediaHashes {
  const small = resized(generatedImage('gradient-shapes', 480, 360, seed), 233, 175);
  return asHashes(jpeg.encode({ ...small, data: toRgba(small) }, 55).data, 'image/jpeg');
}

const bySha = asHashes(png(11), 'image/png');
const byMd5 = asHashes(png(12), 'image/png');
const byPdq = asHashes(png(13), 'image/png');
const onlyInV1 = asHashes(png(14), 'image/png');
const unrelated = asHashes(png(15), 'image/png');

beforeAll(async () => {
  dir = tempDir('vigil-hash-lists-');
  data = join(dir.path, 'data');
  const v1 = join(dir.path, 'list-v1.csv');
  writeFileSync(v1, `sha256,md5,pdq,label\n${onlyInV1.sha256},,,\n${bySha.sha256},,,\n`);
  const v2 = join(dir.path, 'list-v2.json');
  writeFileSync(
    v2,
    JSON.stringify({
      entries: [
        { sha256: bySha.sha256 },
        { md5: byMd5.md5, label: 'csam.b2' },
        { pdq: byPdq.pdq, label: 'csam.a1' },
      ],
    }),
  );
  const add = await vigil(
    ['--data', data, 'user', 'add', 'rita', '--role', 'reviewer', '--password-stdin'],
    `${PASSWORD}\n`,
  );
  expect(add.code, add.stderr).toBe(0);
  for (const file of [v1, v2]) {
    const out = await vigil([
      '--data',
      data,
      'hashlist',
      'import',
      file,
      '--name',
      'hotline',
      '--source',
      'test unit',
    ]);
    expect(out.code, out.stderr).toBe(0);
  }
  backend = await createBackend({ dataDir: data });
  await backend.users.create({ name: 'ivan', role: 'investigator', password: PASSWORD }, 'admin');
  await backend.users.create({ name: 'ada', role: 'admin', password: PASSWORD }, 'admin');
  matcher = createMediaMatcher({ ws: backend.workspace });
});
afterAll(async () => {
  await backend?.close();
  dir.remove();
});

describe('importing known-hash lists', () => {
  it('keeps each import as a version with a custody row', async () => {
    const listed = await vigil(['--data', data, 'hashlist', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const versions = JSON.parse(listed.stdout) as Array<{
      name: string;
      version: string;
      entryCount: number;
    }>;
    expect(versions.map((v) => [v.name, v.version, v.entryCount])).toEqual([
      ['hotline', '1', 2],
      ['hotline', '2', 3],
    ]);
    const rows = await backend.workspace.db.read((c) => auditRowsFrom(c, 1, 10_000));
    const imports = rows.filter((r) => r.action === 'hashlist.imported');
    expect(imports.map((r) => r.subject)).toEqual(['hashlist:hotline@1', 'hashlist:hotline@2']);
  });

  it('cannot be changed or removed', async () => {
    for (const sql of ["UPDATE hash_lists SET source = 'x'", 'DELETE FROM hash_list_entries'])
      await expect(backend.workspace.db.write((tx) => tx.run(sql))).rejects.toMatchObject({
        code: 'db.append-only',
      });
  });

  it('refuses a bad row with one line naming it, and stores nothing', async () => {
    const bad = join(dir.path, 'bad.csv');
    writeFileSync(bad, `sha256\n${bySha.sha256}\n${'0'.repeat(63)}\n`);
    const out = await vigil(['--data', data, 'hashlist', 'import', bad, '--name', 'hotline']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('line 3: sha256 is not 64 hex digits');
    const again = await vigil([
      '--data',
      data,
      'hashlist',
      'import',
      bad,
      '--name',
      'hotline',
      '--list-version',
      '2',
    ]);
    expect(again.stderr).toContain('line 3');
    const lists = valueOf<unknown[]>(await callAs(backend, 'rita', 'hashlists.list', {}));
    expect(lists).toHaveLength(2);
  });

  it('is an administrator’s act only (CLI and RPC)', async () => {
    const file = join(dir.path, 'small.csv');
    writeFileSync(file, `md5\n${unrelated.md5}\n`);
    const out = await vigil(['--data', data, '--as', 'rita', 'hashlist', 'import', file, '--name', 'other']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('only an administrator imports hash lists');
    const input = { name: 'other', fileName: 'small.csv', text: `md5\n${unrelated.md5}\n` };
    const refused = await callAs(backend, 'rita', 'hashlists.import', input);
    expect(refused.ok ? 'ok' : refused.error.code).toBe('auth.forbidden');
    expect(await callAs(backend, 'ada', 'hashlists.import', { ...input, version: '2026-12' })).toMatchObject({
      ok: true,
      value: { name: 'other', version: '2026-12', entryCount: 1, importedBy: 'ada' },
    });
    const dup = await callAs(backend, 'ada', 'hashlists.import', { ...input, version: '2026-12' });
    expect(dup.ok ? '' : dup.error.message).toContain('version 2026-12 of list other is already imported');
  });
});

describe('matching media against the lists', () => {
  it('matches by SHA-256, MD5 and PDQ against the newest version of each list', async () => {
    expect(await matcher.match(query(bySha))).toEqual([
      { list: 'hotline', version: '2', label: 'suspected_csam', by: 'sha256' },
    ]);
    expect(await matcher.match(query(byMd5))).toEqual([
      { list: 'hotline', version: '2', label: 'csam.b2', by: 'md5' },
    ]);
    const copy = copyOf(13);
    expect(copy.sha256).not.toBe(byPdq.sha256);
    const [hit, ...more] = await matcher.match(query(copy));
    expect(more).toEqual([]);
    expect(hit).toMatchObject({ list: 'hotline', version: '2', label: 'csam.a1', by: 'pdq' });
    expect(hit?.distance).toBeLessThanOrEqual(31);
    // Version 2 replaced version 1: an entry only version 1 had no longer matches.
    expect(await matcher.match(query(onlyInV1))).toEqual([]);
    expect(await matcher.match(query(unrelated))).toEqual([
      { list: 'other', version: '2026-12', label: 'suspected_csam', by: 'md5' },
    ]);
    expect(await matcher.match(query(copyOf(16)))).toEqual([]);
    // The one-line form the capture record carries.
    expect(await matcher.hasLists()).toBe(true);
    expect(await matcher.firstMatch(query(copy))).toEqual({
      list: 'hotline',
      version: '2',
      label: 'csam.a1',
      how: `pdq (distance ${hit?.distance ?? -1} of 256)`,
    });
    expect(await matcher.firstMatch(query(copyOf(16)))).toBeNull();
  });

  it('does not compare a low-quality PDQ (a featureless image), only its exact hashes', async () => {
    const listed = { sha256: unrelated.sha256, md5: 'f'.repeat(32), pdq: byPdq.pdq };
    expect((await matcher.match({ ...listed, pdqQuality: 80 })).map((m) => m.by)).toEqual(['pdq']);
    expect(await matcher.match({ ...listed, pdqQuality: 49 })).toEqual([]);
  });

  it('uses the hashlist.pdqDistance setting', async () => {
    const settings = createKeyedSettings(backend.workspace);
    await settings.set('hashlist.pdqDistance', '0', 'ada');
    expect(await matcher.match(query(copyOf(13)))).toEqual([]);
    await settings.set('hashlist.pdqDistance', '31', 'ada');
    expect(await matcher.match(query(copyOf(13)))).toHaveLength(1);
  });
});

describe('assessments', () => {
  it('label the same item and PDQ-near copies for the next reviewer; investigators cannot assess', async () => {
    const item = asHashes(png(21), 'image/png');
    expect(await matcher.assessmentFor(query(item))).toBeNull();
    const input = {
      sha256: item.sha256,
      md5: item.md5,
      pdq: item.pdq,
      label: 'not_csam',
      captureId: 'cap_0123456789ab',
    };
    const refused = await callAs(backend, 'ivan', 'media.assess', input);
    expect(refused.ok ? 'ok' : refused.error.code).toBe('auth.forbidden');
    valueOf(await callAs(backend, 'rita', 'media.assess', input));
    expect(await matcher.assessmentFor(query(item))).toMatchObject({
      label: 'not_csam',
      assessedBy: 'rita',
      by: 'sha256',
    });
    const near = await matcher.assessmentFor(query(copyOf(21)));
    expect(near).toMatchObject({ label: 'not_csam', by: 'pdq', captureId: 'cap_0123456789ab' });
    expect(await matcher.assessmentFor(query(copyOf(22)))).toBeNull();
    // A later assessment of the same item supersedes the earlier one; both stay in the custody log.
    valueOf(await callAs(backend, 'ada', 'media.assess', { ...input, label: 'csam.a1' }));
    expect(await matcher.assessmentFor(query(item))).toMatchObject({ label: 'csam.a1', assessedBy: 'ada' });
    const rows = await backend.workspace.db.read((c) => auditRowsFrom(c, 1, 10_000));
    expect(
      rows.filter((r) => r.action === 'media.assessed' && r.subject === `media:${item.sha256}`),
    ).toHaveLength(2);
    await expect(
      backend.workspace.db.write((tx) => tx.run("UPDATE media_assessments SET label = 'x'")),
    ).rejects.toMatchObject({ code: 'db.append-only' });
  });
});
