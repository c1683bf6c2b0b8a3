import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBlobStore } from '@core/store/blob-store';
import { tempDir } from '@tests/helpers/temp-dir';

let share: { path: string; remove: () => void };
beforeEach(() => {
  share = tempDir('vigil-share-');
});
afterEach(() => share.remove());

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Two servers on one shared folder, on a filesystem that refuses hard links (SMB, some NFS servers).
describe('shared-folder blob store without hard links', () => {
  it('places a blob by exclusive create, read-only, and leaves no temp file', async () => {
    const store = createBlobStore(share.path, { hardLinks: false });
    const content = Buffer.from('captured on server one');
    const stored = await store.put(content);
    expect(stored).toMatchObject({ sha256: sha(content), created: true });
    expect(readFileSync(stored.path).equals(content)).toBe(true);
    expect(statSync(stored.path).mode & 0o777).toBe(0o444);
    expect(readdirSync(join(share.path, 'tmp'))).toEqual([]);
    expect(await store.check(stored.sha256, content.length)).toBeNull();
  });

  it('never replaces a blob another server already placed, even an altered one', async () => {
    const one = createBlobStore(share.path, { hardLinks: false });
    const two = createBlobStore(share.path, { hardLinks: false });
    const content = Buffer.from('the same page, captured twice');
    const first = await one.put(content);
    chmodSync(first.path, 0o644);
    const altered = Buffer.from(content);
    altered[0] = altered[0]! ^ 0xff;
    writeFileSync(first.path, altered);

    const second = await two.put(content);
    expect(second.created).toBe(false);
    expect(readFileSync(first.path).equals(altered)).toBe(true);
    expect(await two.check(first.sha256, content.length)).toMatchObject({ problem: 'mismatch' });
    expect(readdirSync(join(share.path, 'tmp'))).toEqual([]);
  });

  it('lists a file no row names on the share', async () => {
    const store = createBlobStore(share.path, { hardLinks: false });
    const known = await store.put(Buffer.from('known'));
    const hidden = await store.put(Buffer.from('row deleted'));
    expect(await store.unreferenced(new Set([known.sha256]))).toEqual([{ path: hidden.path, bytes: 11 }]);
  });
});
