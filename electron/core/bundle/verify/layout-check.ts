import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

/** The bundle could be read through: every file, or each one that could not be. */
export function checkLayout(ctx: BundleContext): VerifyCheck[] {
  const out = ctx.readProblems.map((p) => checkOf('bundle.read', p.name, false, p.message));
  if (ctx.readProblems.length === 0)
    out.push(checkOf('bundle.read', null, true, `read ${ctx.files.size} files`));
  return out;
}
