import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Which process owns a temporary directory (a capture's work dir, a browser profile): a small
 * `owner.json` in it. A directory whose owner is gone is a crash's leftover; one whose owner still
 * runs belongs to another Vigil process working on the same data dir and is left alone.
 */
export type Owner = Readonly<{ pid: number; browserPid?: number; captureId?: string }>;

export const OWNER_FILE = 'owner.json';

export async function writeOwner(dir: string, owner: Owner): Promise<void> {
  await writeFile(path.join(dir, OWNER_FILE), JSON.stringify(owner), { mode: 0o600 });
}

export async function readOwner(dir: string): Promise<Owner | null> {
  try {
    const value: unknown = JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8'));
    if (!value || typeof value !== 'object') return null;
    const o = value as Record<string, unknown>;
    if (typeof o['pid'] !== 'number' || !Number.isInteger(o['pid'])) return null;
    return {
      pid: o['pid'],
      ...(typeof o['browserPid'] === 'number' ? { browserPid: o['browserPid'] } : {}),
      ...(typeof o['captureId'] === 'string' ? { captureId: o['captureId'] } : {}),
    };
  } catch {
    return null;
  }
}

/** Whether a process with this id exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The ids of every process whose command line names `marker` (Linux `/proc`): a Chromium and all
 * of its helpers carry `--user-data-dir=<profile>`, so the profile directory names them all.
 */
export async function processesNaming(marker: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.split('\0').some((arg) => arg === `--user-data-dir=${marker}`)) found.push(Number(entry));
    } catch {
      // Ended meanwhile, or not ours to read.
    }
  }
  return found;
}
