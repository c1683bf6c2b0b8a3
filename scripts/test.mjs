// `npm test`: build (the e2e tests and the CLI process tests use the built app), then the unit and
// integration tests, then the end-to-end tests and the chosen integration suites again on PostgreSQL
// (tests/helpers/postgres-suites.ts) side by side, and one closing summary line over all of them.
// The last two run at once because both spend much of their time waiting (a browser, a database
// server) rather than computing: on two cores together they take little more than the longer alone.
import { spawn, spawnSync } from 'node:child_process';
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

/** Each inner list runs at once; the lists run one after the other. */
const waves = [
  [{ name: 'unit+integration', projects: ['unit', 'integration'] }],
  [
    { name: 'e2e', projects: ['e2e'] },
    { name: 'postgres', projects: ['postgres'] },
  ],
];

/** Copies a child's output line by line, each line marked with its stage when stages run together. */
function relay(stream, target, prefix) {
  let rest = '';
  stream.on('data', (chunk) => {
    const lines = (rest + chunk.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) target.write(`${prefix}${line}\n`);
  });
  stream.on('end', () => {
    if (rest !== '') target.write(`${prefix}${rest}\n`);
  });
}

/** Runs one stage's vitest; resolves with its exit code (1 when it could not start). */
function runStage(stage, marked) {
  const out = join(reports, `${stage.name}.json`);
  const args = [
    'run',
    ...stage.projects.flatMap((p) => ['--project', p]),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ];
  return new Promise((resolve) => {
    const child = spawn(bin('vitest'), args, { stdio: marked ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    if (marked) {
      relay(child.stdout, process.stdout, `[${stage.name}] `);
      relay(child.stderr, process.stderr, `[${stage.name}] `);
    }
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function addReport(stage) {
  try {
    const report = JSON.parse(readFileSync(join(reports, `${stage.name}.json`), 'utf8'));
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

for (const wave of waves) {
  const codes = await Promise.all(wave.map((stage) => runStage(stage, wave.length > 1)));
  if (codes.some((code) => code !== 0)) ok = false;
  wave.forEach(addReport);
}
rmSync(reports, { recursive: true, force: true });
console.log(
  `\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped (stages: ${waves
    .flat()
    .map((s) => s.name)
    .join(', ')})`,
);
process.exit(ok && totals.failed === 0 ? 0 : 1);
