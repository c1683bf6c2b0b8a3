// Court bundle export and verification of a ~2 GiB bundle (a synthetic capture whose artifacts are large
// random blobs), as a ratio of `sha256sum` over the same evidence files in the same run (target for
// verify ≥ 0.7), and the peak RSS of each step measured in its own process (target < 300 MB).
// Printed, not asserted.
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportBundle } from '../electron/core/bundle/bundle-export';
import { verifyBundle } from '../electron/core/bundle/bundle-verify';
import { manifestBytes, MANIFEST_FORMAT, type CaptureManifest } from '../electron/core/capture/manifest';
import { sha256Hex, signEs256 } from '../electron/core/custody/signing';
import { registerBlob } from '../electron/core/db/repositories/blobs-repo';
import { insertCapture } from '../electron/core/db/repositories/captures-repo';
import { openWorkspace } from '../electron/core/workspace';
import type { CaptureRecord } from '../shared/domain/capture-record';

const TOTAL = Number(process.env.BENCH_BUNDLE_BYTES ?? 2 * 1024 ** 3);
const PARTS = 4;
const CLOCK = () => new Date('2026-11-22T10:00:00.000Z');

async function setup(dataDir: string, scratch: string): Promise<string[]> {
  const { workspace: ws } = await openWorkspace({ dataDir, clock: CLOCK, workstationName: 'bench' });
  try {
    const stored: { name: string; sha256: string; bytes: number }[] = [];
    const chunk = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < PARTS; i += 1) {
      const file = join(scratch, `part-${i}.bin`);
      const fd = openSync(file, 'w');
      const size = Math.floor(TOTAL / PARTS);
      for (let written = 0; written < size; written += chunk.length) {
        randomFillSync(chunk);
        writeSync(fd, chunk, 0, Math.min(chunk.length, size - written));
      }
      closeSync(fd);
      const blob = await ws.blobs.putFile(file);
      stored.push({ name: `segment-${i}.png`, sha256: blob.sha256, bytes: blob.bytes });
    }
    const at = CLOCK().toISOString();
    const captureId = 'cap_01benchbench0000000000000';
    const resourceId = 'res_01benchbench0000000000000';
    const manifest: CaptureManifest = {
      format: MANIFEST_FORMAT,
      captureId,
      resourceId,
      url: 'https://example.org/',
      finalUrl: 'https://example.org/',
      outcome: 'complete',
      startedAt: at,
      finishedAt: at,
      http: { status: 200, headers: {}, remoteAddress: null, protocol: null },
      redirects: [],
      certificateErrorsIgnored: false,
      page: { title: 'bench', lang: null, textLength: 0, outlinks: 0 },
      context: {},
      dialogs: [],
      popups: [],
      downloads: [],
      warnings: [],
      artifacts: stored.map((s) => ({ kind: 'screenshot', mediaType: 'image/png', ...s })),
      workstation: { name: 'bench', keyId: ws.workstation.keyId },
    };
    const bytes = manifestBytes(manifest);
    const manifestBlob = await ws.blobs.put(bytes);
    const record: CaptureRecord = {
      id: captureId as CaptureRecord['id'],
      resourceId: resourceId as CaptureRecord['resourceId'],
      url: manifest.url,
      finalUrl: manifest.finalUrl,
      outcome: 'complete',
      startedAt: at,
      finishedAt: at,
      http: { status: 200, headers: {}, remoteAddress: null, protocol: null },
      redirects: [],
      page: { title: 'bench', lang: null, textLength: 0, outlinks: 0 },
      context: {
        operator: 'bench',
        workstation: 'bench',
        os: 'bench',
        app: { name: 'Vigil', version: 'bench' },
        browser: { product: 'none', version: '0' },
        userAgent: 'bench',
        viewport: { width: 1, height: 1, deviceScaleFactor: 1, isMobile: false },
        locale: 'en',
        timeZone: 'UTC',
        proxy: null,
      },
      artifacts: [
        ...stored.map((s) => ({ kind: 'screenshot' as const, mediaType: 'image/png', path: '', ...s })),
        {
          kind: 'manifest',
          name: 'manifest.json',
          mediaType: 'application/json',
          path: '',
          bytes: manifestBlob.bytes,
          sha256: sha256Hex(bytes),
        },
      ],
      manifestSha256: sha256Hex(bytes),
      signature: {
        alg: 'ES256',
        keyId: ws.workstation.keyId,
        value: signEs256(ws.workstation.privateKey, bytes).toString('base64'),
      },
      timestamp: { status: 'pending' },
      warnings: [],
    };
    await ws.record(async (tx) => {
      await tx.run(
        `INSERT INTO resources (id, case_id, url, display_url, host, state, categories, report_count, created_at, updated_at)
         VALUES (?, NULL, ?, ?, 'example.org', 'captured', '[]', 1, ?, ?)`,
        [resourceId, manifest.url, manifest.url, at, at],
      );
      for (const s of [...stored, { sha256: manifestBlob.sha256, bytes: manifestBlob.bytes }])
        await registerBlob(tx, s, at);
      await insertCapture(tx, record, at);
    });
    return stored.map((s) => ws.blobs.pathOf(s.sha256));
  } finally {
    await ws.close();
  }
}

/** One step in a fresh process, so its peak RSS is its own. */
async function child(step: string, dataDir: string, target: string): Promise<void> {
  const t = performance.now();
  if (step === 'export') {
    const { workspace: ws } = await openWorkspace({ dataDir, clock: CLOCK });
    await exportBundle(ws, {
      selection: { resourceIds: ['res_01benchbench0000000000000'] },
      outPath: target,
      asDirectory: false,
      actor: 'bench',
      tsaUrl: null,
    });
    await ws.close();
  } else {
    const report = await verifyBundle(target);
    if (!report.ok) throw new Error('the bench bundle does not verify');
  }
  const ms = performance.now() - t;
  console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function runChild(step: string, dataDir: string, target: string): { ms: number; maxRssMb: number } {
  const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const out = spawnSync(tsx, [fileURLToPath(import.meta.url), '--child', step, dataDir, target], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`${step} failed: ${out.stderr}`);
  const last = out.stdout.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(last) as { ms: number; maxRssMb: number };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-bundle-'));
  try {
    const dataDir = join(dir, 'data');
    const files = await setup(dataDir, dir);
    const zip = join(dir, 'bundle.zip');
    spawnSync('sha256sum', files); // warm the page cache as the steps below will find it
    let t = performance.now();
    spawnSync('sha256sum', files);
    const baseline = performance.now() - t;
    const exported = runChild('export', dataDir, zip);
    t = performance.now();
    spawnSync('sha256sum', [zip]);
    const zipBaseline = performance.now() - t;
    const verified = runChild('verify', dataDir, zip);
    const mib = TOTAL / 1024 ** 2;
    const rate = (ms: number) => `${(mib / (ms / 1000)).toFixed(0)} MiB/s`;
    console.log(`evidence: ${mib.toFixed(0)} MiB in ${PARTS} files`);
    console.log(`sha256sum over the evidence files: ${rate(baseline)}; over the ZIP: ${rate(zipBaseline)}`);
    console.log(
      `export (read+hash+write ZIP): ${rate(exported.ms)}, ratio ${(baseline / exported.ms).toFixed(2)}, peak RSS ${exported.maxRssMb.toFixed(0)} MB`,
    );
    console.log(
      `verify (read ZIP+hash+checks): ${rate(verified.ms)}, ratio ${(zipBaseline / verified.ms).toFixed(2)} (target >= 0.70), peak RSS ${verified.maxRssMb.toFixed(0)} MB (target < 300)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [flag, step, dataDir, target] = process.argv.slice(2);
const job = flag === '--child' ? child(step ?? '', dataDir ?? '', target ?? '') : main();
job.catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
