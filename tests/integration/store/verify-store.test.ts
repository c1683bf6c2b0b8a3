import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@core/db/database';
import { registerBlob } from '@core/db/repositories/blobs-repo';
import { openWorkspace, type Workspace } from '@core/workspace';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let ws: Workspace;

beforeEach(async () => {
  dir = tempDir();
  ({ workspace: ws } = await openWorkspace({ dataDir: dir.path }));
});
afterEach(async () => {
  await ws.close();
  dir.remove();
});

async function store(content: string) {
  const blob = await ws.blobs.put(content);
  await ws.record(async (tx, audit) => {
    await registerBlob(tx, blob, ws.clock().toISOString());
    await audit({ actor: 'test', action: 'blob.stored', subject: `blob:${blob.sha256}` });
  });
  return blob;
}

type Result = { ok: boolean; unreferenced: { path: string; bytes: number }[]; bad: { problem: string }[] };

describe('vigil verify-store walks the blob files too', () => {
  it('reports a blob whose row was deleted instead of hiding it, and never deletes it', async () => {
    const kept = await store('kept artifact');
    const hidden = await store('the artifact someone wants gone');
    expect((await vigil(['--data', dir.path, 'verify-store'])).code).toBe(0);
    const db = await openDatabase(join(dir.path, 'vigil.db'));
    await db.raw.exec(
      `DROP TRIGGER IF EXISTS blobs_no_delete; DELETE FROM blobs WHERE sha256 = '${hidden.sha256}'`,
    );
    await db.close();

    const out = await vigil(['--data', dir.path, 'verify-store', '--json']);
    expect(out.code).toBe(1);
    const result = JSON.parse(out.stdout) as Result;
    expect(result).toMatchObject({ ok: false, checked: 1, bad: [] });
    expect(result.unreferenced).toEqual([{ path: hidden.path, bytes: hidden.bytes }]);
    const text = await vigil(['--data', dir.path, 'verify-store']);
    expect(text.stdout).toContain(`UNREFERENCED ${hidden.bytes} bytes ${hidden.path}`);
    expect(text.stdout).not.toContain(kept.path);
    // Still there: it may be the evidence that was hidden.
    expect(await ws.blobs.has(hidden.sha256)).toBe(true);
  });

  it('reports stray files anywhere in the store, but not blobs being written in tmp/', async () => {
    await store('an artifact');
    mkdirSync(join(dir.path, 'blobs', 'ab', 'cd'), { recursive: true });
    writeFileSync(join(dir.path, 'blobs', 'ab', 'cd', 'not-a-hash'), 'x');
    writeFileSync(join(dir.path, 'blobs', 'stray.bin'), 'yy');
    mkdirSync(join(dir.path, 'blobs', 'tmp'), { recursive: true });
    writeFileSync(join(dir.path, 'blobs', 'tmp', 'abc.part'), 'zzz');
    const out = await vigil(['--data', dir.path, 'verify-store', '--json']);
    expect(out.code).toBe(1);
    expect((JSON.parse(out.stdout) as Result).unreferenced.map((u) => u.path)).toEqual([
      join(dir.path, 'blobs', 'ab', 'cd', 'not-a-hash'),
      join(dir.path, 'blobs', 'stray.bin'),
    ]);
  });

  it('still names rows whose file is missing', async () => {
    const gone = await store('soon missing');
    const { rmSync } = await import('node:fs');
    rmSync(gone.path, { force: true });
    const out = await vigil(['--data', dir.path, 'verify-store', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      bad: [{ sha256: gone.sha256, problem: 'missing' }],
      unreferenced: [],
    });
  });
});
