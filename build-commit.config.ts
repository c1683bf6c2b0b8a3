import { execFileSync } from 'node:child_process';

/**
 * The git commit the build is made from, embedded in the app as `__VIGIL_BUILD_COMMIT__` so every
 * capture context names it; empty outside a checkout (the app then reads `.git` or says `unknown`).
 */
export function buildCommitDefine(): Record<string, string> {
  let commit: string;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: import.meta.dirname,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    commit = '';
  }
  return { __VIGIL_BUILD_COMMIT__: JSON.stringify(commit) };
}
