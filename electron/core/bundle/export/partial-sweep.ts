import { createHash, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * Names of the temporary files a bundle is written under before it gets its name
 * (`.NAME.HOST-PID-RANDOM.vigil-partial`): the writer's host and process id are in the name so that a
 * later export to the same folder can tell a leftover of a crashed or killed export (its process is
 * gone) from one still being written by a running export, which is never touched.
 */
export const PARTIAL_SUFFIX = '.vigil-partial';

const hostTag = (): string => createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

export const partialNameFor = (target: string, pid: number = process.pid): string =>
  join(
    dirname(target),
    `.${basename(target)}.${hostTag()}-${pid}-${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`,
  );

const PARTIAL_NAME = /^\..+\.([0-9a-f]{8})-([1-9][0-9]{0,9})-[0-9a-f]{12}\.vigil-partial$/;

/** Whether a process with this id runs on this machine (EPERM: it runs, as another OS user). */
function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes, from `dir`, the partial bundles whose writer was a process of this machine that no longer
 * runs. Only names matching the pattern above are considered — nothing else in a folder the user
 * chose is ever deleted — and a partial of another host (a shared folder) is left alone, since its
 * process cannot be checked from here. Returns the names removed (for the custody log).
 */
export async function sweepPartials(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const host = hostTag();
  const removed: string[] = [];
  for (const name of names) {
    const m = PARTIAL_NAME.exec(name);
    if (m === null || m[1] !== host || processRuns(Number(m[2]))) continue;
    // A folder export's partial is a tree; a symlink under the name is removed, never followed.
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
