import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function store(content: Buffer) {
  const blob = await ws.blobs.put(content);
  await ws.record(async (tx, audit) => {
    await registerBlob(tx, blob, ws.clock().toISOString());
    await audit({ actor: 'test', action: 'blob.stored', subject: `blob:${blob.sha256}` });
  });
  return blob;
}

describe('blob store', () => {
  it('stores content at its SHA-256 path, read-only, hashing while streaming', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 17);
    const blob = await store(content);
    expect(blob.sha256).toBe(sha(content));
    expect(blob.bytes).toBe(content.length);
    expect(blob.path).toBe(
      join(dir.path, 'blobs', blob.sha256.slice(0, 2), blob.sha256.slice(2, 4), blob.sha256),
    );
    expect(readFileSync(blob.path).equals(content)).toBe(true);
    expect(statSync(blob.path).mode & 0o222).toBe(0);
  });

  it('never overwrites an existing blob', async () => {
    const content = Buffer.from('evidence');
    const first = await store(content);
    // Even if someone made the file writable and changed it, a second put of the same content must not
    // silently "repair" (and so hide) the change: the existing file stays as it is.
    chmodSync(first.path, 0o644);
    writeFileSync(first.path, 'EVIDENCE');
    const second = await ws.blobs.put(content);
    expect(second).toMatchObject({ sha256: first.sha256, created: false });
    expect(readFileSync(first.path, 'utf8')).toBe('EVIDENCE');
  });

  it('leaves no temp files behind', async () => {
    await store(Buffer.from('a'));
    await store(Buffer.from('b'));
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(dir.path, 'blobs', 'tmp'))).toEqual([]);
  });
});

describe('vigil verify-store', () => {
  it('passes on intact blobs and names each flipped, truncated or missing blob', async () => {
    const a = await store(Buffer.from('first artifact'));
    const b = await store(randomBytes(100_000));
    const c = await store(Buffer.from('third artifact'));
    const d = await store(Buffer.from('fourth artifact'));
    expect((await vigil(['--data', dir.path, 'verify-store'])).code).toBe(0);

    // Flip one byte of a, truncate b, delete c; d stays intact.
    chmodSync(a.path, 0o644);
    const bytes = readFileSync(a.path);
    bytes[3] = (bytes[3] ?? 0) ^ 0x01;
    writeFileSync(a.path, bytes);
    chmodSync(b.path, 0o644);
    writeFileSync(b.path, readFileSync(b.path).subarray(0, 10));
    const { unlinkSync } = await import('node:fs');
    unlinkSync(c.path);

    const out = await vigil(['--data', dir.path, 'verify-store', '--json']);
    expect(out.code).toBe(1);
    const result = JSON.parse(out.stdout) as { bad: { sha256: string; problem: string }[] };
    expect(result.bad).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sha256: a.sha256, problem: 'mismatch' }),
        expect.objectContaining({ sha256: b.sha256, problem: 'size' }),
        expect.objectContaining({ sha256: c.sha256, problem: 'missing' }),
      ]),
    );
    expect(result.bad.map((x) => x.sha256)).not.toContain(d.sha256);
    const text = await vigil(['--data', dir.path, 'verify-store']);
    expect(text.stdout).toContain(`BAD mismatch ${a.sha256}`);
  });
});
