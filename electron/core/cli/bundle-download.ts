import { randomBytes, createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, errorMessage } from '@shared/errors/app-error';
import type { RemoteBundle } from '../remote/remote-client';

/**
 * Writes a downloaded bundle to `outPath` as a list of stages: the bytes go to a temporary name
 * beside it (same folder, so the rename cannot cross file systems) and are hashed on the way; the
 * file is fsynced; only when its SHA-256 is the one the export record and bundle.export named does it
 * take its final name (without `force`, a link that fails if something appeared there meanwhile).
 */
export async function saveDownloadedBundle(
  bundle: RemoteBundle,
  expectedSha256: string,
  outPath: string,
  force: boolean,
): Promise<void> {
  if (bundle.sha256 !== expectedSha256)
    throw new AppError(
      'bundle.verification-failed',
      `the server's export record names SHA-256 ${bundle.sha256}, bundle.export said ${expectedSha256}; nothing was written`,
    );
  const partial = join(
    dirname(outPath),
    `.${basename(outPath)}.${randomBytes(6).toString('hex')}.vigil-download`,
  );
  try {
    const got = await writeHashed(bundle, partial);
    if (got.sha256 !== expectedSha256 || got.bytes !== bundle.bytes)
      throw new AppError(
        'bundle.verification-failed',
        `the downloaded bytes hash to ${got.sha256} (${got.bytes} bytes), not ${expectedSha256} (${bundle.bytes} bytes); nothing was written`,
      );
    await settle(partial, outPath, force);
  } finally {
    await rm(partial, { force: true });
  }
}

async function writeHashed(
  bundle: RemoteBundle,
  partial: string,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(bundle.body, tap, createWriteStream(partial, { flags: 'wx' }));
    const handle = await open(partial, 'r+');
    await handle.sync().finally(() => handle.close());
  } catch (error) {
    throw new AppError(
      'bundle.write-failed',
      `cannot download the bundle to ${partial}: ${errorMessage(error)}`,
    );
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function settle(partial: string, outPath: string, force: boolean): Promise<void> {
  try {
    if (force) await rename(partial, outPath);
    else await link(partial, outPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new AppError(
        'bundle.write-failed',
        `${outPath} already exists; nothing is overwritten (--force replaces it)`,
      );
    throw new AppError('bundle.write-failed', `cannot write ${outPath}: ${errorMessage(error)}`);
  }
}
