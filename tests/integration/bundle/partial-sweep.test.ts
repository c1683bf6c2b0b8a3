import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import { vigil } from '@tests/helpers/cli';
import { tempDir } from '@tests/helpers/temp-dir';

const CASE = 'CASE-SWEEP-1';
const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const otherHost = host === 'deadbeef' ? 'feedface' : 'deadbeef';
let dir: { path: string; remove: () => void };
let data: string;
let running: ChildProcess | null = null;

/** The id of a process that has ended (a child started and awaited to its exit). */
function endedPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid ?? 0));
  });
}

/** A process that runs until killed (or ends by itself after a minute). */
function runningPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    running = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    running.on('error', reject);
    running.on('spawn', () => resolve(running?.pid ?? 0));
  });
}

beforeAll(async () => {
  dir = tempDir('vigil-sweep-');
  data = join(dir.path, 'data');
  const backend = await createBackend({ dataDir: data });
  try {
    await createIntakeService(backend.workspace).addReport(
      { url: 'https://example.org/sweep', sourceType: 'volunteer', caseRef: CASE },
      { actor: 'ivan', allowPrivateNetwork: false },
    );
  } finally {
    await backend.close();
  }
});

afterAll(() => {
  running?.kill('SIGKILL');
  dir?.remove();
});

describe('partial bundles left by killed exports', () => {
  it('are swept at the next export to that folder, only when their writer is gone', async () => {
    const out = join(dir.path, 'out');
    mkdirSync(out);
    const dead = await endedPid();
    const alive = await runningPid();
    const deadFile = `.case.zip.${host}-${dead}-0123456789ab.vigil-partial`;
    const deadTree = `.case-dir.${host}-${dead}-ba9876543210.vigil-partial`;
    const liveFile = `.case.zip.${host}-${alive}-aaaaaaaaaaaa.vigil-partial`;
    const foreign = `.case.zip.${otherHost}-${dead}-bbbbbbbbbbbb.vigil-partial`;
    const unrelated = ['.case.zip.1234.vigil-partial', 'notes.vigil-partial', 'case.zip.vigil-partial.txt'];
    writeFileSync(join(out, deadFile), 'PK truncated');
    mkdirSync(join(out, deadTree, 'captures'), { recursive: true });
    writeFileSync(join(out, deadTree, 'captures', 'x.png'), 'half');
    for (const name of [liveFile, foreign, ...unrelated]) writeFileSync(join(out, name), 'keep');

    const exported = await vigil(['--data', data, 'export', '--case', CASE, '--out', join(out, 'new.zip')]);
    expect(exported.code, exported.stderr).toBe(0);

    const left = readdirSync(out).sort();
    expect(left).toEqual([liveFile, foreign, ...unrelated, 'new.zip'].sort());
    expect(existsSync(join(out, deadTree))).toBe(false);

    const audit = await vigil(['--data', data, 'audit', 'list', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    const rows = JSON.parse(audit.stdout) as { action: string; details: { sweptPartials?: string[] } }[];
    const row = rows.find((r) => r.action === 'bundle.exported');
    expect(row?.details.sweptPartials?.sort()).toEqual([deadFile, deadTree].sort());
  });
});
