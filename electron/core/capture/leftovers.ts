import { readdir, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { capturesStartedWithoutEnd } from '../db/repositories/capture-leftovers-repo';
import type { Workspace } from '../workspace';
import { processAlive, processesNaming, readOwner } from './process-owner';

export type SweepReport = Readonly<{
  browsersKilled: number;
  profilesRemoved: number;
  captureDirsRemoved: number;
  partsRemoved: number;
  abandoned: readonly string[];
}>;

/** A leftover is what no running process owns: its owner is gone, or it has none and predates us. */
async function isLeftover(dir: string, processStartMs: number): Promise<boolean> {
  const owner = await readOwner(dir);
  if (owner) return !processAlive(owner.pid);
  try {
    return (await stat(dir)).mtimeMs < processStartMs;
  } catch {
    return false;
  }
}

async function entriesOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/**
 * A browser whose starter died: every process naming its profile is killed (Chromium and its
 * helpers), then the profile goes. A pipe-started browser normally exits with its starter; this
 * catches one that did not (an older Vigil, a helper that hung).
 */
async function reapBrowser(profileDir: string): Promise<number> {
  const pids = await processesNaming(profileDir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await rm(profileDir, { recursive: true, force: true, maxRetries: 3 });
  return pids.length;
}

/**
 * The sweep before a process's first capture (issue 17): browsers and profiles, capture work dirs
 * and half-written blobs (`blobs/tmp/*.part`) that an earlier crash left, and a `capture.abandoned`
 * custody event for every capture that was started and never ended. Another Vigil process working
 * on the same data dir keeps what it owns (owner.json names a live process).
 */
export async function sweepCaptureLeftovers(
  ws: Workspace,
  opts: Readonly<{ actor: string; processStartMs: number }>,
): Promise<SweepReport> {
  let browsersKilled = 0;
  let profilesRemoved = 0;
  let captureDirsRemoved = 0;
  const liveCaptures = new Set<string>();
  for (const name of await entriesOf(ws.paths.tmp)) {
    const dir = path.join(ws.paths.tmp, name);
    const isProfile = name.startsWith('vigil-browser-');
    const isCapture = name.startsWith('capture-');
    if (!isProfile && !isCapture) continue;
    if (!(await isLeftover(dir, opts.processStartMs))) {
      const owner = await readOwner(dir);
      if (owner?.captureId) liveCaptures.add(owner.captureId);
      continue;
    }
    if (isProfile) {
      browsersKilled += await reapBrowser(dir);
      profilesRemoved += 1;
    } else {
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      captureDirsRemoved += 1;
    }
  }
  let partsRemoved = 0;
  const partsDir = path.join(ws.paths.blobs, 'tmp');
  for (const name of await entriesOf(partsDir)) {
    if (!name.endsWith('.part')) continue;
    const file = path.join(partsDir, name);
    try {
      // A .part still being written by another process is newer than this process.
      if ((await stat(file)).mtimeMs >= opts.processStartMs) continue;
      await unlink(file);
      partsRemoved += 1;
    } catch {
      // Gone meanwhile.
    }
  }
  const abandoned = await recordAbandoned(ws, opts.actor, liveCaptures);
  return { browsersKilled, profilesRemoved, captureDirsRemoved, partsRemoved, abandoned };
}

async function recordAbandoned(ws: Workspace, actor: string, live: ReadonlySet<string>): Promise<string[]> {
  const open = (await ws.db.read((c) => capturesStartedWithoutEnd(c))).filter((o) => !live.has(o.captureId));
  if (open.length === 0) return [];
  await ws.record(async (_tx, audit) => {
    for (const o of open) {
      await audit({
        actor,
        action: 'capture.abandoned',
        subject: o.resourceSubject,
        details: {
          captureId: o.captureId,
          startedSeq: o.startedSeq,
          reason: 'the process running the capture ended before it was sealed or aborted',
        },
      });
    }
  });
  return open.map((o) => o.captureId);
}
