import { manifestDisagreements } from '@core/capture/manifest-agreement';
import { captureDir, type BundleManifest } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, type VerifyCheck } from './check-list';

/**
 * Each capture record manifest.json carries (what a reader of the bundle is shown: title, URLs,
 * outcome, times) agrees with the signed capture manifest beside it. A record edited before export
 * — say its title — fails here even though every hash and signature of the bundle holds.
 */
export function checkCaptureRecords(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  return manifest.captures.map((record) => {
    const name = `${captureDir(record.id)}/manifest.json`;
    const bytes = ctx.content(name);
    if (bytes === null)
      return checkOf('capture.record', name, false, 'the signed capture manifest is missing');
    const fields = manifestDisagreements(record, bytes);
    return fields.length === 0
      ? checkOf('capture.record', name, true, 'the record in manifest.json agrees with the signed manifest')
      : checkOf(
          'capture.record',
          name,
          false,
          `the record in manifest.json disagrees with the signed manifest (${fields.join(', ')}): tampered`,
        );
  });
}
