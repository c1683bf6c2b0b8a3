import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { AppError } from '@shared/errors/app-error';

/**
 * Paths that arrive over the wire (the loopback bridge, the desktop IPC channel) name files on the
 * machine that runs the backend, with its OS account's rights. A signed-in user may therefore only
 * name files inside the data dir's `exports/` folder — a bare name, a relative path below it, or an
 * absolute path that lands there — or a path the desktop's own file dialog returned to that window
 * (`granted`). Anything else (an absolute path elsewhere, a `..` segment, a symbolic link leading out
 * of exports/) is refused before any file is opened. The CLI does not come through here: it runs with
 * the rights of the account that types the command, and takes ordinary paths.
 */
export type WirePathRules = Readonly<{
  /** The data dir's exports/ folder. */
  exportsDir: string;
  /** Absolute paths the desktop dialog returned (a chosen file, or a chosen folder to write into). */
  granted?: ReadonlySet<string>;
}>;

const refuse = (given: string, why: string): AppError =>
  new AppError('bundle.path-refused', `${JSON.stringify(given)} is refused: ${why}`, { path: given });

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (a file still to be written). */
function realOrParent(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const parent = dirname(p);
    if (parent === p) return p;
    return join(realOrParent(parent), basename(p));
  }
}

const danglingLink = (p: string): boolean => {
  try {
    if (!lstatSync(p).isSymbolicLink()) return false;
  } catch {
    return false;
  }
  try {
    realpathSync(p);
    return false;
  } catch {
    return true;
  }
};

const inside = (root: string, p: string): boolean => {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * Resolves a wire path under the rules, or throws `bundle.path-refused`. `write` marks a path that is
 * to be created: a granted folder then admits one new name directly inside it.
 */
export function resolveWirePath(rules: WirePathRules, given: string, mode: 'read' | 'write'): string {
  if (given.trim() === '' || given.includes('\0')) throw refuse(given, 'it is empty or holds a NUL');
  const segments = given.split(/[\\/]+/);
  if (segments.includes('..')) throw refuse(given, 'it holds a ".." segment');
  const granted = rules.granted ?? new Set<string>();
  if (isAbsolute(given)) {
    if (granted.has(given)) return given;
    if (mode === 'write' && granted.has(dirname(given)) && basename(given) !== '') return given;
  }
  const exportsReal = realOrParent(rules.exportsDir);
  const candidate = isAbsolute(given) ? given : join(rules.exportsDir, given);
  // Both the path as written and the path its links lead to must stay inside exports/.
  const lexicalOk = inside(rules.exportsDir, candidate) || inside(exportsReal, candidate);
  if (!lexicalOk) throw refuse(given, `only names inside ${rules.exportsDir}${sep} are accepted here`);
  if (danglingLink(candidate)) throw refuse(given, 'it is a symbolic link that leads nowhere');
  if (!inside(exportsReal, realOrParent(candidate)))
    throw refuse(given, 'a symbolic link leads it out of the exports folder');
  return candidate;
}
