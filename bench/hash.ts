// Blob store write+hash throughput on a 1 GiB file, as a ratio of `sha256sum` over the same file in the
// same run (target ≥ 0.8). Both read the file from the page cache; the store also writes and fsyncs it.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomFillSync } from 'node:crypto';
import { createBlobStore } from '../electron/core/store/blob-store';

const SIZE = Number(process.env.BENCH_HASH_BYTES ?? 1024 ** 3);
const ROUNDS = 3;
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-hash-'));
const source = join(dir, 'input.bin');

function makeInput(): void {
  const fd = openSync(source, 'w');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (let written = 0; written < SIZE; written += chunk.length) {
    randomFillSync(chunk);
    writeSync(fd, chunk, 0, Math.min(chunk.length, SIZE - written));
  }
  closeSync(fd);
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  makeInput();
  spawnSync('sha256sum', [source]); // warm the page cache
  const baseline: number[] = [];
  const store: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    let t = performance.now();
    const out = spawnSync('sha256sum', [source], { encoding: 'utf8' });
    baseline.push(performance.now() - t);
    const expected = out.stdout.split(' ')[0] ?? '';

    const blobs = createBlobStore(join(dir, `store-${round}`));
    t = performance.now();
    const blob = await blobs.put(createReadStream(source, { highWaterMark: 4 * 1024 * 1024 }));
    store.push(performance.now() - t);
    if (blob.sha256 !== expected) throw new Error(`hash differs: ${blob.sha256} vs ${expected}`);
    rmSync(join(dir, `store-${round}`), { recursive: true, force: true });
  }
  const mib = SIZE / 1024 ** 2;
  const b = median(baseline);
  const s = median(store);
  console.log(`file: ${mib.toFixed(0)} MiB, ${ROUNDS} rounds, medians`);
  console.log(`sha256sum (read+hash):          ${(mib / (b / 1000)).toFixed(0)} MiB/s`);
  console.log(`blob store (read+hash+write+fsync): ${(mib / (s / 1000)).toFixed(0)} MiB/s`);
  console.log(`ratio store/sha256sum throughput: ${(b / s).toFixed(2)} (target >= 0.80)`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
