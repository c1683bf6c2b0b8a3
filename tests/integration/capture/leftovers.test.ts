import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { sweepCaptureLeftovers } from '@core/capture/leftovers';
import { writeOwner } from '@core/capture/process-owner';
import { listAuditRows } from '@core/db/repositories/audit-repo';
import { openWorkspace, type Workspace } from '@core/workspace';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
let ws: Workspace;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = tempDir();
  ({ workspace: ws } = await openWorkspace({ dataDir: dir.path }));
});
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.length = 0;
  await ws.close();
  dir.remove();
});

/** The id of a process that has ended (a short-lived child, waited for). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid ?? 0;
}

/** A stand-in for an orphaned Chromium: a process whose command line names the profile directory. */
function fakeBrowser(profileDir: string): ChildProcess {
  const child = spawn(process.execPath, [
    '-e',
    'setInterval(() => {}, 1000)',
    '--',
    `--user-data-dir=${profileDir}`,
  ]);
  children.push(child);
  return child;
}

const started = (captureId: string, resource: string) =>
  ws.record((_tx, audit) =>
    audit({
      actor: 'alice',
      action: 'capture.started',
      subject: `resource:${resource}`,
      details: { captureId },
    }),
  );

test('the sweep reaps a dead run: its browser, profile, work dir, old .part files, and marks the capture abandoned', async () => {
  const dead = await deadPid();
  const profile = join(ws.paths.tmp, 'vigil-browser-dead');
  await mkdir(profile, { recursive: true });
  await writeOwner(profile, { pid: dead });
  const orphan = fakeBrowser(profile);
  const orphanExit = new Promise<NodeJS.Signals | null>((resolve) =>
    orphan.once('exit', (_c, s) => resolve(s)),
  );
  await new Promise((resolve) => orphan.once('spawn', resolve));

  const deadWork = join(ws.paths.tmp, 'capture-dead');
  const liveWork = join(ws.paths.tmp, 'capture-live');
  await mkdir(deadWork, { recursive: true });
  await mkdir(liveWork, { recursive: true });
  await writeOwner(deadWork, { pid: dead, captureId: 'cap-dead' });
  // Another process still capturing in the same data dir: its work is not a leftover.
  await writeOwner(liveWork, { pid: process.pid, captureId: 'cap-live' });

  const parts = join(ws.paths.blobs, 'tmp');
  await mkdir(parts, { recursive: true });
  await writeFile(join(parts, 'old.part'), 'half a blob');
  const hourAgo = new Date(Date.now() - 3_600_000);
  await utimes(join(parts, 'old.part'), hourAgo, hourAgo);
  await writeFile(join(parts, 'new.part'), 'being written');

  await started('cap-dead', 'r1');
  await started('cap-live', 'r2');
  await started('cap-done', 'r3');
  await ws.record((_tx, audit) =>
    audit({
      actor: 'alice',
      action: 'capture.aborted',
      subject: 'resource:r3',
      details: { captureId: 'cap-done' },
    }),
  );

  const report = await sweepCaptureLeftovers(ws, { actor: 'system', processStartMs: Date.now() - 60_000 });

  expect(report.browsersKilled).toBe(1);
  expect(await orphanExit).toBe('SIGKILL');
  expect(existsSync(profile)).toBe(false);
  expect(existsSync(deadWork)).toBe(false);
  expect(existsSync(liveWork)).toBe(true);
  expect(existsSync(join(parts, 'old.part'))).toBe(false);
  expect(existsSync(join(parts, 'new.part'))).toBe(true);
  expect(report.abandoned).toEqual(['cap-dead']);
  const rows = await ws.db.read((c) => listAuditRows(c, { limit: 100, action: 'capture.abandoned' }));
  expect(
    rows.rows.map((r) => [r.subject, (JSON.parse(r.detailsJson) as { captureId: string }).captureId]),
  ).toEqual([['resource:r1', 'cap-dead']]);

  // Once abandoned is once only.
  const again = await sweepCaptureLeftovers(ws, { actor: 'system', processStartMs: Date.now() - 60_000 });
  expect(again.abandoned).toEqual([]);
});
