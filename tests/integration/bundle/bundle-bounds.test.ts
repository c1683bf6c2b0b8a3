import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle } from '@core/bundle/bundle-verify';
import { MAX_BUNDLE_ENTRIES } from '@core/bundle/zip-bounds';
import { writeCraftedZip, writeManyEntriesZip } from '@tests/helpers/crafted-zip';
import { tempDir } from '@tests/helpers/temp-dir';

// Crafted ZIPs must end at once with a named failure (`bundle.bounds`), before any entry is read:
// read through, each of these would hash gigabytes or keep them in memory.
let dir: { path: string; remove: () => void };
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

const MiB = 1024 * 1024;

const boundsFailures = async (path: string) =>
  (await verifyBundle(path)).checks.filter((c) => c.check === 'bundle.bounds' && !c.ok);

describe('bounded bundle checks', () => {
  it('refuses entries that share bytes (16,384 names over one 1 MiB run, 16 GiB declared)', async () => {
    const path = join(dir.path, 'overlap.zip');
    writeCraftedZip(path, MiB, () =>
      Array.from({ length: 16_384 }, (_, i) => ({ name: `keys/k${i}.pem`, offset: 0, size: MiB })),
    );
    const failed = await boundsFailures(path);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(/stored bytes in a \d+-byte file/);
  });

  it('refuses overlapping entries even when their sizes fit the file', async () => {
    const path = join(dir.path, 'overlap-small.zip');
    // 4,096 windows of 64 bytes, 16 bytes apart: 256 KiB declared in a 1 MiB file, every one sharing bytes.
    writeCraftedZip(path, MiB, () =>
      Array.from({ length: 4096 }, (_, i) => ({ name: `keys/k${i}.pem`, offset: 16 * i, size: 64 })),
    );
    const failed = await boundsFailures(path);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(/overlaps the bytes of keys\/k\d+\.pem/);
  });

  it('refuses entries declaring more than the file holds (~1 TiB in a 1 MiB file)', async () => {
    const path = join(dir.path, 'declared.zip');
    writeCraftedZip(path, MiB, () =>
      Array.from({ length: 256 }, (_, i) => ({ name: `captures/c/${i}.bin`, offset: 0, size: 0xf000_0000 })),
    );
    const failed = await boundsFailures(path);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(/beyond the end of the \d+-byte file/);
  });

  it('refuses more entries than any bundle holds, before reading them', async () => {
    const path = join(dir.path, 'many.zip');
    writeManyEntriesZip(path, MAX_BUNDLE_ENTRIES + 1);
    const report = await verifyBundle(path);
    const failed = report.checks.filter((c) => c.check === 'bundle.bounds' && !c.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toContain(`declares ${MAX_BUNDLE_ENTRIES + 1} entries`);
    // Nothing was read: no file of it reached the hash checks.
    expect(report.checks.some((c) => c.check === 'file.unlisted')).toBe(false);
  });

  it('reads an ordinary ZIP of separate entries through (no bound broken)', async () => {
    const path = join(dir.path, 'plain.zip');
    writeCraftedZip(path, 1000, () => [{ name: 'data.bin', offset: 0, size: 1000 }]);
    const report = await verifyBundle(path);
    expect(report.checks.filter((c) => c.check === 'bundle.bounds')).toEqual([]);
    expect(report.ok).toBe(false); // not a bundle: SHA256SUMS is missing
    expect(report.checks).toContainEqual(expect.objectContaining({ check: 'bundle.read', ok: true }));
  });
});
