// Runs the benchmarks (all, or those named: `npm run bench -- hash packet`) with tsx, one at a time,
// so they don't compete for the two cores. Each prints its own figures as ratios against a baseline
// measured in the same run; nothing here asserts a time.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n== bench/${name}`);
  const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');
  // tsx reads one tsconfig and does not follow project references: name the one with the
  // import aliases (`@shared/…`, `@core/…`) the benchmarks use.
  const env = { ...process.env, TSX_TSCONFIG_PATH: join(here, '..', 'tsconfig.node.json') };
  const result = spawnSync(tsx, [join(here, `${name}.ts`)], { stdio: 'inherit', env });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
