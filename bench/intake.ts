// Bulk intake (`report import`) of a 50,000-line list (BENCH_INTAKE_LINES): lines per second and the
// peak RSS of the importing process, against a baseline process that opens the same kind of data dir
// and imports nothing, the same import of a tenth of the lines and of four times as many
// (BENCH_INTAKE_LARGE, 0 to skip): memory must stay flat in the file's size, so the peak's slope per
// 1,000 lines is printed. Each import ends with `audit verify`, which must pass. Printed, not asserted.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../electron/core/backend';
import { verifyCustodyLog } from '../electron/core/custody/audit-head';
import { createIntakeService } from '../electron/core/intake/intake-service';

const LINES = Number(process.env.BENCH_INTAKE_LINES ?? 50_000);
const LARGE = Number(process.env.BENCH_INTAKE_LARGE ?? LINES * 4);
const self = fileURLToPath(import.meta.url);

type Figures = { ms: number; importRssMb: number; maxRssMb: number; lines: number; auditOk: boolean };

async function child(mode: string, dataDir: string, list: string): Promise<void> {
  const backend = await createBackend({ dataDir });
  let lines = 0;
  const started = process.hrtime.bigint();
  if (mode === 'import') {
    const out = await createIntakeService(backend.workspace).importFile(
      {
        fileName: 'list.csv',
        open: () => createReadStream(list, { highWaterMark: 64 * 1024 }),
        store: () => backend.workspace.blobs.put(createReadStream(list)),
      },
      {},
      { actor: 'bench' },
    );
    lines = out.rowsDone;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  // The peak so far is the import's; `audit verify` below walks the whole log and has its own.
  const importRssMb = process.resourceUsage().maxRSS / 1024;
  const ws = backend.workspace;
  const auditOk = (
    await verifyCustodyLog({ paths: ws.paths, db: ws.db, publicKeyPem: ws.workstation.publicKeyPem })
  ).ok;
  await backend.close();
  const figures: Figures = {
    ms,
    importRssMb,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    lines,
    auditOk,
  };
  console.log(JSON.stringify(figures));
}

function measure(mode: string, dataDir: string, list: string): Figures {
  const tsx = join(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx');
  const r = spawnSync(tsx, [self, mode, dataDir, list], { encoding: 'utf8', env: process.env });
  if (r.status !== 0) throw new Error(`bench child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Figures;
}

function writeList(path: string, lines: number): void {
  // Every 10th line repeats an earlier URL (merged), every 50th is refused; the rest are new resources.
  const rows = ['url,note,source'];
  for (let i = 1; i <= lines; i += 1) {
    if (i % 50 === 0) rows.push(`ftp://refused.example/${i},refused,citizen`);
    else if (i % 10 === 0) rows.push(`https://bench.example/item/${i - 1}?utm_source=x,again,citizen`);
    else rows.push(`https://bench.example/item/${i},note ${i},volunteer`);
  }
  writeFileSync(path, `${rows.join('\n')}\n`);
}

function main(): void {
  const scratch = mkdtempSync(join(tmpdir(), 'vigil-bench-intake-'));
  try {
    const big = join(scratch, 'big.csv');
    const small = join(scratch, 'small.csv');
    writeList(big, LINES);
    writeList(small, Math.max(1, Math.round(LINES / 10)));
    const base = measure('baseline', join(scratch, 'd0'), big);
    const tenth = measure('import', join(scratch, 'd1'), small);
    const full = measure('import', join(scratch, 'd2'), big);
    let large: Figures | null = null;
    if (LARGE > LINES) {
      const huge = join(scratch, 'huge.csv');
      writeList(huge, LARGE);
      large = measure('import', join(scratch, 'd3'), huge);
    }
    const rate = (f: Figures): string => ((f.lines / f.ms) * 1000).toFixed(0);
    const row = (f: Figures, target = ''): string =>
      `import ${f.lines} lines: ${(f.ms / 1000).toFixed(1)} s, ${rate(f)} lines/s${target}, peak RSS ${f.maxRssMb.toFixed(0)} MB (import alone ${f.importRssMb.toFixed(0)} MB), audit verify ${f.auditOk ? 'ok' : 'FAILED'}`;
    // Flat means this is about 0: the peak does not grow with the number of lines.
    const slope = (from: Figures, to: Figures, of: 'importRssMb' | 'maxRssMb'): string =>
      `${((1000 * (to[of] - from[of])) / (to.lines - from.lines)).toFixed(2)} MB`;
    console.log(`baseline (open data dir, import nothing): peak RSS ${base.maxRssMb.toFixed(0)} MB`);
    console.log(row(tenth));
    console.log(row(full, ' (target ≥ 5,000)'));
    if (large !== null) console.log(row(large));
    console.log(
      `peak RSS per 1,000 lines, import alone: ${slope(tenth, full, 'importRssMb')} from ${tenth.lines} to ${full.lines} lines${large === null ? '' : `, ${slope(full, large, 'importRssMb')} from ${full.lines} to ${large.lines}`} (flat: about 0)`,
    );
    console.log(
      `  with the audit verify walk: ${slope(tenth, full, 'maxRssMb')}${large === null ? '' : `, ${slope(full, large, 'maxRssMb')}`}`,
    );
    console.log(
      `peak RSS over baseline: ${(full.maxRssMb - base.maxRssMb).toFixed(0)} MB at ${full.lines} lines vs ${(tenth.maxRssMb - base.maxRssMb).toFixed(0)} MB at ${tenth.lines} (flat: about equal)`,
    );
    console.log(
      `  of which the import (before audit verify): ${(full.importRssMb - base.maxRssMb).toFixed(0)} MB at ${full.lines} lines vs ${(tenth.importRssMb - base.maxRssMb).toFixed(0)} MB at ${tenth.lines}`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const [mode, dataDir, list] = process.argv.slice(2);
if (mode !== undefined && dataDir !== undefined && list !== undefined) await child(mode, dataDir, list);
else main();
