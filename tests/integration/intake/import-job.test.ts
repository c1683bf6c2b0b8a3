import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { IMPORT_BATCH } from '@core/intake/import-job';
import { BUILT_CLI, vigilProcess } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };

beforeAll(() => {
  dir = tempDir();
});
afterAll(() => dir.remove());

const LINES = 20_000;

function writeList(path: string, host: string): void {
  const rows: string[] = [];
  for (let i = 1; i <= LINES; i += 1) rows.push(`https://${host}/item/${i}`);
  writeFileSync(path, `${rows.join('\n')}\n`);
}

type Running = Readonly<{
  child: ChildProcess;
  firstProgress: Promise<void>;
  exited: Promise<number | null>;
}>;

/** `vigil report import` in its own process; resolves `firstProgress` when its first batch is committed. */
function startImport(data: string, file: string): Running {
  const child = spawn(process.execPath, [BUILT_CLI, '--data', data, 'report', 'import', file], {
    env: { ...process.env, VIGIL_DATA: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const firstProgress = new Promise<void>((done, fail) => {
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      if (/^import imp_\w+: \d+ of \d+ lines/m.test(err)) done();
    });
    void exited.then((code) => fail(new Error(`import ended (${String(code)}) before any progress: ${err}`)));
  });
  return { child, firstProgress, exited };
}

/** The built CLI with unbounded output (a 20,000-line import prints more than execFile buffers). */
function runToEnd(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], {
    env: { ...process.env, VIGIL_DATA: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

async function scalar(data: string, sql: string): Promise<number> {
  const backend = await createBackend({ dataDir: data });
  try {
    return (await backend.workspace.db.read((c) => c.get<{ n: number }>(sql)))?.n ?? -1;
  } finally {
    await backend.close();
  }
}

describe('report import as a resumable job', () => {
  it('a kill mid-import leaves whole batches; the same command resumes after them and the log verifies', async () => {
    const data = join(dir.path, 'kill');
    expect((await vigilProcess(['--data', data, 'init'])).code).toBe(0);
    const file = join(dir.path, 'kill.txt');
    writeList(file, 'job.example');
    const run = startImport(data, file);
    await run.firstProgress;
    run.child.kill('SIGKILL');
    await run.exited;

    const stored = await scalar(
      data,
      "SELECT count(*) AS n FROM reports WHERE original_url LIKE 'https://job.example/%'",
    );
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(LINES);
    expect(stored % IMPORT_BATCH).toBe(0);
    expect(await scalar(data, 'SELECT lines_done AS n FROM import_jobs')).toBe(stored);

    const again = await runToEnd(['--data', data, 'report', 'import', file]);
    expect(again.code, again.stderr).toBe(0);
    const out = again.stdout.trim().split('\n');
    expect(out.at(-1)).toBe(
      `${LINES} lines: ${LINES} added, 0 merged, 0 rejected (resumed after line ${stored})`,
    );
    expect(out).toHaveLength(LINES - stored + 1);
    expect(out[0]).toMatch(new RegExp(`^line\\s+${stored + 1}\\s+added`));
    expect(
      await scalar(data, "SELECT count(*) AS n FROM reports WHERE original_url LIKE 'https://job.example/%'"),
    ).toBe(LINES);
    expect(
      await scalar(data, "SELECT count(*) AS n FROM audit WHERE action = 'reports.import-resumed'"),
    ).toBe(1);
    const verified = await vigilProcess(['--data', data, 'audit', 'verify']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  }, 240_000);

  it('a report add beside a long import gets in between its batches, while the import still runs', async () => {
    const data = join(dir.path, 'beside');
    expect((await vigilProcess(['--data', data, 'init'])).code).toBe(0);
    const file = join(dir.path, 'beside.txt');
    writeList(file, 'beside.example');
    const run = startImport(data, file);
    try {
      await run.firstProgress;
      const add = await vigilProcess(['--data', data, 'report', 'add', 'https://next-door.example/']);
      expect(add.code, add.stderr).toBe(0);
      // The add did not wait for the whole import: the importer was still at work when it returned.
      expect(run.child.exitCode).toBeNull();
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
    expect(await scalar(data, 'SELECT count(*) AS n FROM resources')).toBe(LINES + 1);
  }, 240_000);
});
