import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildCommit } from './app-info';

declare const __VIGIL_BUILD_COMMIT__: string | undefined;

const HEX40 = /^[0-9a-f]{40}$/;

/**
 * The commit a capture names in its context. A built app carries it from build time; a run from a
 * checkout (dev, tests) reads `.git` the way git does (HEAD, a loose ref, then packed-refs). When
 * neither works the answer is `unknown`, and the capture says so in a warning: never silently absent.
 */
export function buildCommit(start: string = dirname(fileURLToPath(import.meta.url))): BuildCommit {
  const embedded = typeof __VIGIL_BUILD_COMMIT__ === 'string' ? __VIGIL_BUILD_COMMIT__ : '';
  if (HEX40.test(embedded)) return { commit: embedded, source: 'embedded' };
  const fromGit = readGitHead(start);
  return fromGit ? { commit: fromGit, source: 'git' } : { commit: 'unknown', source: 'unknown' };
}

function readGitHead(start: string): string | null {
  for (let dir = start, i = 0; i < 12; dir = dirname(dir), i += 1) {
    const gitDir = gitDirAt(join(dir, '.git'));
    if (gitDir !== null) return resolveHead(gitDir);
    if (dirname(dir) === dir) break;
  }
  return null;
}

/**
 * `.git` is the repository, or in a linked worktree a file naming it (`gitdir: …`), whose HEAD is
 * its own while its refs live in the common directory (`commondir`).
 */
function gitDirAt(dotGit: string): { head: string; refs: string } | null {
  try {
    if (existsSync(join(dotGit, 'HEAD'))) return { head: dotGit, refs: dotGit };
    const pointer = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'))?.[1]?.trim();
    if (!pointer) return null;
    const head = resolve(dirname(dotGit), pointer);
    const common = join(head, 'commondir');
    const refs = existsSync(common) ? resolve(head, readFileSync(common, 'utf8').trim()) : head;
    return existsSync(join(head, 'HEAD')) ? { head, refs } : null;
  } catch {
    return null;
  }
}

function resolveHead(dirs: { head: string; refs: string }): string | null {
  try {
    const head = readFileSync(join(dirs.head, 'HEAD'), 'utf8').trim();
    if (HEX40.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return null;
    const loose = join(dirs.refs, ref);
    if (existsSync(loose)) {
      const value = readFileSync(loose, 'utf8').trim();
      return HEX40.test(value) ? value : null;
    }
    const packed = join(dirs.refs, 'packed-refs');
    if (!existsSync(packed)) return null;
    for (const line of readFileSync(packed, 'utf8').split('\n')) {
      const [hash, name] = line.trim().split(' ');
      if (name === ref && hash && HEX40.test(hash)) return hash;
    }
    return null;
  } catch {
    return null;
  }
}
