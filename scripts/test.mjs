// `npm test`: build (the e2e tests and the CLI process tests use the built app), then the unit and
// integration tests, then the end-to-end tests, then the chosen integration suites again on PostgreSQL
// (tests/helpers/postgres-suites.ts), and one closing summary line over all of them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join(import.meta.dirname, '..', 'node_modules', '.bin', name);
const reports = mkdtempSync(join(tmpdir(), 'vigil-test-report-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let ok = true;

const build = spawnSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('build failed');
  process.exit(1);
}

const stages = [
  { name: 'unit+integration', projects: ['unit', 'integration'] },
  { name: 'e2e', projects: ['e2e'] },
  { name: 'postgres', projects: ['postgres'] },
];
for (const stage of stages) {
  const out = join(reports, `${stage.name}.json`);
  const args = [
    'run',
    ...stage.projects.flatMap((p) => ['--project', p]),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ];
  const result = spawnSync(bin('vitest'), args, { stdio: 'inherit' });
  if (result.status !== 0) ok = false;
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests ?? 0;
    totals.failed += report.numFailedTests ?? 0;
    totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A suite that fails to load has no failed tests but must still fail the run.
    if ((report.numFailedTestSuites ?? 0) > 0 && (report.numFailedTests ?? 0) === 0)
      totals.failed += report.numFailedTestSuites;
  } catch {
    ok = false;
    totals.failed += 1;
    console.error(`no report from the ${stage.name} stage`);
  }
}
rmSync(reports, { recursive: true, force: true });
console.log(
  `\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped (stages: ${stages.map((s) => s.name).join(', ')})`,
);
process.exit(ok && totals.failed === 0 ? 0 : 1);
