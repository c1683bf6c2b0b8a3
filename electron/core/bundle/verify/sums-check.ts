import { NAMES, UNLISTED } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

/** SHA256SUMS: present, well-formed, every listed file present with that hash, nothing unlisted. */
export function checkSums(ctx: BundleContext): VerifyCheck[] {
  if (ctx.sumsBytes === null)
    return [checkOf('sums.present', NAMES.sums, false, 'SHA256SUMS is missing: no file can be checked')];
  const { listed, files, sumsProblems } = ctx;
  const out = [
    checkOf(
      'sums.format',
      NAMES.sums,
      sumsProblems.length === 0,
      sumsProblems.length === 0 ? `${listed.size} files listed` : sumsProblems.join('; '),
    ),
  ];
  for (const [name, sha256] of [...listed.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const f = files.get(name);
    if (UNLISTED.has(name)) out.push(checkOf('file.hash', name, false, 'SHA256SUMS must not list this file'));
    else if (f === undefined) out.push(checkOf('file.hash', name, false, 'listed in SHA256SUMS but missing'));
    else if (f.sha256 !== sha256)
      out.push(
        checkOf('file.hash', name, false, `SHA-256 is ${f.sha256}, SHA256SUMS says ${sha256} (changed)`),
      );
    else out.push(checkOf('file.hash', name, true, `sha256 ${sha256}, ${f.bytes} bytes`));
  }
  for (const name of [...files.keys()].sort()) {
    if (!listed.has(name) && !UNLISTED.has(name))
      out.push(
        checkOf('file.unlisted', name, false, 'present but not listed in SHA256SUMS (added after export)'),
      );
  }
  return out;
}
