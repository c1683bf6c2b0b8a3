import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCommit } from '@core/build-commit';
import { tempDir } from '@tests/helpers/temp-dir';

/** A checkout laid out as git lays it out: a repository, and a linked worktree of it. */
const dir = tempDir('vigil-commit-');
afterAll(() => dir.remove());
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

function file(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const repo = join(dir.path, 'repo');
file(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
file(join(repo, '.git', 'refs', 'heads', 'main'), `${A}\n`);
file(join(repo, '.git', 'packed-refs'), `# pack-refs with: peeled\n${B} refs/heads/packed\n`);
mkdirSync(join(repo, 'electron', 'core'), { recursive: true });

describe('the commit a run from a checkout names', () => {
  it("reads the repository's HEAD through its loose ref", () => {
    expect(buildCommit(join(repo, 'electron', 'core'))).toEqual({ commit: A, source: 'git' });
  });

  it("reads a linked worktree's own HEAD, and its refs from the common directory", () => {
    const admin = join(repo, '.git', 'worktrees', 'wt');
    file(join(admin, 'commondir'), '../..\n');
    file(join(admin, 'HEAD'), 'ref: refs/heads/packed\n');
    const wt = join(dir.path, 'wt');
    file(join(wt, '.git'), `gitdir: ${admin}\n`);
    mkdirSync(join(wt, 'electron'), { recursive: true });
    expect(buildCommit(join(wt, 'electron'))).toEqual({ commit: B, source: 'git' });
    file(join(admin, 'HEAD'), `${C}\n`);
    expect(buildCommit(join(wt, 'electron'))).toEqual({ commit: C, source: 'git' });
  });

  it('is unknown where no repository is found', () => {
    const bare = join(dir.path, 'nowhere');
    mkdirSync(bare, { recursive: true });
    file(join(bare, '.git'), 'not a pointer\n');
    expect(buildCommit(bare)).toEqual({ commit: 'unknown', source: 'unknown' });
  });
});
