// The network queries on generated rows: one wallet shared by 10,000 resources (each with one capture
// and a few indicators of its own), in a real SQLite file. Times `holdersOfIndicator` (every resource
// and capture holding the wallet: `vigil indicator show`), `sharedIndicatorsOf` (the intake hint of
// one resource) and the cluster walk from one resource. Target: the cluster query ≤ 200 ms.
// Printed, not asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerBlob } from '../electron/core/db/repositories/blobs-repo';
import {
  holdersOfIndicator,
  insertExtractionRun,
  sharedIndicatorsOf,
} from '../electron/core/db/repositories/indicators-repo';
import { createIndicatorService } from '../electron/core/indicators/indicator-service';
import { openWorkspace } from '../electron/core/workspace';

const RESOURCES = Number(process.env.BENCH_CLUSTER_RESOURCES ?? 10_000);
const ROUNDS = 5;
const CLOCK = () => new Date('2026-11-22T10:00:00.000Z');
const WALLET = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4';
const MANIFEST = 'ab'.repeat(32);

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const runs: number[] = [];
  let value: T | undefined;
  for (let i = 0; i < ROUNDS; i += 1) {
    const t = performance.now();
    value = await fn();
    runs.push(performance.now() - t);
  }
  return { ms: median(runs), value: value as T };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-cluster-'));
  const { workspace: ws } = await openWorkspace({ dataDir, clock: CLOCK, workstationName: 'bench' });
  try {
    const at = CLOCK().toISOString();
    const t0 = performance.now();
    await ws.record(async (tx) => {
      await registerBlob(tx, { sha256: MANIFEST, bytes: 1 }, at);
      for (let i = 0; i < RESOURCES; i += 1) {
        const id = `res_bench${String(i).padStart(8, '0')}`;
        const captureId = `cap_bench${String(i).padStart(8, '0')}`;
        const url = `https://shop-${i}.example/`;
        await tx.run(
          `INSERT INTO resources (id, case_id, url, display_url, host, state, categories, report_count, created_at, updated_at)
           VALUES (?, NULL, ?, ?, ?, ?, '[]', 1, ?, ?)`,
          [id, url, url, `shop-${i}.example`, i % 4 === 0 ? 'blocked' : 'captured', at, at],
        );
        await tx.run(
          `INSERT INTO captures (id, resource_id, operator, outcome, started_at, finished_at, manifest_sha256, record)
           VALUES (?, ?, 'bench', 'complete', ?, ?, ?, '{}')`,
          [captureId, id, at, at, MANIFEST],
        );
        const own = (type: string, value: string) => ({
          type,
          value,
          artifact: 'text' as const,
          artifactName: 'text.txt',
          offset: 10,
          length: value.length,
          raw: value,
          box: { x: 1, y: 2, w: 3, h: 4 },
        });
        await insertExtractionRun(
          tx,
          { captureId, resourceId: id, extractorVersion: 1, lexicons: [], at, capturedAt: at },
          [
            own('btc', WALLET),
            own('phone', `+7916${String(i).padStart(7, '0')}`),
            own('telegram', `seller_${i % 500}`),
          ],
          [],
        );
      }
    });
    console.log(
      `generated ${RESOURCES} resources sharing one wallet in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    const holders = await time(() => ws.db.read((c) => holdersOfIndicator(c, 'btc', WALLET)));
    const shared = await time(() => ws.db.read((c) => sharedIndicatorsOf(c, 'res_bench00000000')));
    const service = createIndicatorService(ws, { lexiconDir: null });
    const holdersService = await time(() => service.holders('btc', WALLET));
    console.log(
      `cluster query (holdersOfIndicator, ${holders.value.length} captures): ${holders.ms.toFixed(1)} ms median of ${ROUNDS}  (target ≤ 200 ms)`,
    );
    console.log(`indicator show (service, grouped by resource): ${holdersService.ms.toFixed(1)} ms`);
    console.log(
      `intake hint of one resource (sharedIndicatorsOf): ${shared.ms.toFixed(1)} ms → ${shared.value.map((s) => `${s.type} ${s.resources}/${s.blocked} blocked`).join(', ')}`,
    );
    const t1 = performance.now();
    const network = await service.network('res_bench00000000', 200);
    console.log(
      `cluster walk from one resource (200-node limit): ${(performance.now() - t1).toFixed(0)} ms, ${network.resources.length} resources, truncated ${network.truncated}`,
    );
  } finally {
    await ws.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
