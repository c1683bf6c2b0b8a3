import { assertNever } from '@shared/errors/app-error';
import { keyIdOf } from '@core/custody/signing';
import { NAMES, type BundleManifest } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

/** Its file list agrees with SHA256SUMS and the files; nothing SHA256SUMS lists is left out of it. */
function filesCheck(ctx: BundleContext, manifest: BundleManifest): VerifyCheck {
  const mismatched = manifest.files.filter(
    (f) => ctx.listed.get(f.path) !== f.sha256 || ctx.files.get(f.path)?.bytes !== f.bytes,
  );
  const inManifest = new Set(manifest.files.map((f) => f.path));
  const notInManifest = [...ctx.listed.keys()].filter((n) => n !== NAMES.manifest && !inManifest.has(n));
  const ok = mismatched.length === 0 && notInManifest.length === 0;
  return checkOf(
    'manifest.files',
    NAMES.manifest,
    ok,
    ok
      ? `${manifest.files.length} files agree with SHA256SUMS`
      : `disagrees with SHA256SUMS or the files on: ${[...mismatched.map((f) => f.path), ...notInManifest].slice(0, 10).join(', ')}`,
  );
}

/** manifest.json: present, a bundle manifest (by its schema), agreeing with SHA256SUMS and the key. */
export function checkBundleManifest(ctx: BundleContext): VerifyCheck[] {
  const read = ctx.manifest;
  switch (read.state) {
    case 'missing':
      return [checkOf('manifest.parse', NAMES.manifest, false, 'manifest.json is missing')];
    case 'invalid':
      return [
        checkOf(
          'manifest.parse',
          NAMES.manifest,
          false,
          `not a bundle manifest: ${read.problem.slice(0, 300)}`,
        ),
      ];
    case 'parsed': {
      const { manifest } = read;
      const key = ctx.keys.workstationKey;
      return [
        checkOf(
          'manifest.parse',
          NAMES.manifest,
          true,
          `exported ${manifest.exportedAt} by ${manifest.tool.name} ${manifest.tool.version}`,
        ),
        filesCheck(ctx, manifest),
        ...(key !== null && keyIdOf(key) !== manifest.workstation.keyId
          ? [
              checkOf(
                'manifest.workstation',
                NAMES.workstationPub,
                false,
                'is not the key named in manifest.json',
              ),
            ]
          : []),
      ];
    }
    default:
      return assertNever(read);
  }
}
