import type { CaptureRecord } from '@shared/domain/capture-record';
import { keyIdOf, verifyEs256 } from '@core/custody/signing';
import { captureDir, type BundleManifest } from '../bundle-format';
import type { BundleContext } from './bundle-context';
import { checkOf, errorText, type VerifyCheck } from './check-list';

/**
 * The operator's co-signature of each capture manifest (a capture made by a Vigil user who proved who
 * they were): the same manifest bytes the workstation signed, verified under the public key of the
 * bundled user it names, whose name is the capture's operator. A capture without one (an OS account's,
 * or one made before co-signatures) has no line here: its operator is a name, not a signature.
 */
function checkOne(ctx: BundleContext, manifest: BundleManifest, record: CaptureRecord): VerifyCheck | null {
  const sig = record.operatorSignature;
  if (sig === undefined) return null;
  const mName = `${captureDir(record.id)}/manifest.json`;
  const fail = (message: string) => checkOf('capture.operator-signature', mName, false, message);
  if (sig.signer !== record.context.operator)
    return fail(
      `co-signed by ${sig.signer}, but the capture names ${record.context.operator} as its operator`,
    );
  const user = manifest.users.find((u) => u.keyId === sig.keyId && u.name === sig.signer);
  if (user === undefined)
    return fail(`no key of ${sig.signer} (${sig.keyId}) is in the bundle's keys/users/`);
  const pem = ctx.content(user.publicKey);
  const bytes = ctx.content(mName);
  if (pem === null || bytes === null) return fail(`${pem === null ? user.publicKey : mName} is missing`);
  try {
    if (keyIdOf(pem.toString('utf8')) !== sig.keyId)
      return fail(`${user.publicKey} is not the key ${sig.keyId} the co-signature names`);
    const ok = verifyEs256(pem.toString('utf8'), bytes, Buffer.from(sig.value, 'base64'));
    return ok
      ? checkOf(
          'capture.operator-signature',
          mName,
          true,
          `co-signed by the operator ${sig.signer} (${user.publicKey})`,
        )
      : fail(`the co-signature of ${sig.signer} does not verify over the manifest`);
  } catch (error) {
    return fail(errorText(error));
  }
}

export function checkOperatorSignatures(ctx: BundleContext, manifest: BundleManifest): VerifyCheck[] {
  return manifest.captures.flatMap((r) => {
    const check = checkOne(ctx, manifest, r);
    return check === null ? [] : [check];
  });
}
