// Verification of a bundle with 100,000 entries (BENCH_BUNDLE_ENTRIES): the peak RSS of `verifyBundle`
// in its own process (target < 300 MB, flat in the number of entries), against a baseline process that
// only streams the same ZIP through SHA-256, and the time against `sha256sum` on the ZIP. Also the
// crafted ZIPs of the hardening tests (entries sharing one run of bytes, declaring ~16 GiB): how long
// until the named refusal. Printed, not asserted.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyBundle } from '../electron/core/bundle/bundle-verify';
import { writeZip, type BundleEntry } from '../electron/core/bundle/zip-writer';
import { writeCraftedZip } from '../tests/helpers/crafted-zip';

const ENTRIES = Number(process.env.BENCH_BUNDLE_ENTRIES ?? 100_000);
const self = fileURLToPath(import.meta.url);
const MiB = 1024 * 1024;

async function child(mode: string, path: string): Promise<void> {
  const started = process.hrtime.bigint();
  let note: string;
  if (mode === 'verify') {
    const report = await verifyBundle(path);
    note = `${report.checks.length} checks, ${report.checks.filter((c) => !c.ok).length} failing`;
  } else {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path, { highWaterMark: 4 * MiB }))
      hash.update(chunk as Buffer);
    note = hash.digest('hex').slice(0, 12);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, note }));
}

function measure(mode: string, path: string): { ms: number; maxRssMb: number; note: string } {
  const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [self, mode, path], { encoding: 'utf8', env: process.env });
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  return JSON.parse(line) as { ms: number; maxRssMb: number; note: string };
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-entries-'));
  try {
    const zip = join(scratch, 'many.zip');
    // Each entry is 512 random bytes under a capture folder; SHA256SUMS lists every one of them.
    const entries: BundleEntry[] = [];
    const sums: string[] = [];
    for (let i = 0; i < ENTRIES; i += 1) {
      const data = randomBytes(512);
      const name = `captures/cap_bench/${i.toString().padStart(6, '0')}.bin`;
      const sha256 = createHash('sha256').update(data).digest('hex');
      entries.push({ name, bytes: data.length, sha256, open: () => data });
      sums.push(`${sha256}  ${name}`);
    }
    const sumsBytes = Buffer.from(`${sums.join('\n')}\n`);
    const sumsSha = createHash('sha256').update(sumsBytes).digest('hex');
    entries.push({ name: 'SHA256SUMS', bytes: sumsBytes.length, sha256: sumsSha, open: () => sumsBytes });
    const written = await writeZip(zip, entries, new Date('2026-11-22T10:00:00Z'));
    entries.length = 0;
    console.log(`bundle of ${ENTRIES} entries: ${(written.bytes / MiB).toFixed(1)} MiB`);

    const shaStart = process.hrtime.bigint();
    spawnSync('sha256sum', [zip]);
    const shaMs = Number(process.hrtime.bigint() - shaStart) / 1e6;
    const base = measure('hash', zip);
    const verify = measure('verify', zip);
    console.log(
      `baseline (stream + SHA-256 of the ZIP in Node): ${base.ms.toFixed(0)} ms, peak RSS ${base.maxRssMb.toFixed(0)} MB`,
    );
    console.log(`sha256sum of the ZIP: ${shaMs.toFixed(0)} ms`);
    console.log(
      `verifyBundle: ${verify.ms.toFixed(0)} ms (${verify.note}), peak RSS ${verify.maxRssMb.toFixed(0)} MB (target < 300): ` +
        `${(verify.maxRssMb / base.maxRssMb).toFixed(2)}× the baseline's RSS, ${(verify.ms / shaMs).toFixed(1)}× sha256sum's time`,
    );

    const crafted = join(scratch, 'overlap.zip');
    writeCraftedZip(crafted, MiB, () =>
      Array.from({ length: 16_384 }, (_, i) => ({ name: `keys/k${i}.pem`, offset: 0, size: MiB })),
    );
    const refused = measure('verify', crafted);
    console.log(
      `crafted ZIP (16,384 entries over one 1 MiB run, 16 GiB declared): refused in ${refused.ms.toFixed(0)} ms, peak RSS ${refused.maxRssMb.toFixed(0)} MB (${refused.note})`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const [mode, path] = process.argv.slice(2);
if (mode !== undefined && path !== undefined) await child(mode, path);
else await main();
