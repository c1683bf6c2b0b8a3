import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

/** The bundle could be read through: every file, or each one that could not be. */
export function checkLayout(ctx: BundleContext): VerifyCheck[] {
  // A ZIP that breaks a bound (entry count, sizes, overlapping entries) is named as such: nothing of it was read.
  const out = ctx.readProblems.map((p) =>
    checkOf(p.kind === 'bounds' ? 'bundle.bounds' : 'bundle.read', p.name, false, p.message),
  );
  if (ctx.readProblems.length === 0)
    out.push(checkOf('bundle.read', null, true, `read ${ctx.files.size} files`));
  return out;
}
