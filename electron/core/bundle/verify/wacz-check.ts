import { createWriteStream } from 'node:fs';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { verifyWacz, type WaczVerifyReport } from '../verify-wacz';
import type { BundleContext } from './bundle-context';
import { checkOf, errorText, type VerifyCheck } from './check-list';

/** Every WACZ a bundle carries: a capture's web archive. */
const isWacz = (name: string): boolean => /^captures\/[^/]+\/[^/]+\.wacz$/.test(name);

/**
 * Each bundled WACZ checked on its own, with the same code as `vigil verify FILE.wacz`
 * (verify-wacz.ts): its `datapackage-digest.json` signature (WACZ Signing and Verification), the
 * datapackage hash, every listed file's hash and size, the CDXJ records. The bundle's SHA256SUMS
 * says the WACZ is the file that was exported; this says the WACZ is whole in itself, so a bundle
 * whose archive was altered and re-listed fails here too. One line per WACZ, or one per failure.
 */
export async function checkBundledWaczs(path: string, ctx: BundleContext): Promise<VerifyCheck[]> {
  const names = [...ctx.files.keys()].filter(isWacz).sort();
  if (names.length === 0) return [];
  let asDir: boolean;
  try {
    asDir = (await lstat(path)).isDirectory();
  } catch (error) {
    return names.map((n) => checkOf('capture.wacz', n, false, `could not be read: ${errorText(error)}`));
  }
  if (asDir) {
    const out: VerifyCheck[] = [];
    for (const name of names) out.push(...linesOf(name, await verifyWacz(join(path, ...name.split('/')))));
    return out;
  }
  const dir = await mkdtemp(join(tmpdir(), 'vigil-verify-wacz-'));
  try {
    const extracted = await extractEntries(path, new Set(names), dir);
    const out: VerifyCheck[] = [];
    for (const name of names) {
      const file = extracted.get(name);
      out.push(
        ...(file === undefined
          ? [checkOf('capture.wacz', name, false, 'could not be read from the bundle')]
          : linesOf(name, await verifyWacz(file))),
      );
    }
    return out;
  } catch (error) {
    return names.map((n) => checkOf('capture.wacz', n, false, `could not be read: ${errorText(error)}`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function linesOf(name: string, report: WaczVerifyReport): VerifyCheck[] {
  if (report.ok) {
    const who = report.signer
      ? `signed by ${report.signer.subject} (certificate SHA-256 ${report.signer.certificateSha256})`
      : 'checked';
    return [checkOf('capture.wacz', name, true, `${who}; all ${report.checks.length} WACZ checks passed`)];
  }
  return report.checks
    .filter((c) => !c.ok)
    .map((c) =>
      checkOf('capture.wacz', name, false, `${c.check}${c.file === null ? '' : ` ${c.file}`}: ${c.message}`),
    );
}

/** Copies the named entries of a ZIP bundle to files in `dir` (entry sizes checked as they stream). */
async function extractEntries(
  zipPath: string,
  wanted: ReadonlySet<string>,
  dir: string,
): Promise<Map<string, string>> {
  const zip = await yauzl.openPromise(zipPath, {
    lazyEntries: true,
    autoClose: false,
    validateEntrySizes: true,
  });
  const out = new Map<string, string>();
  try {
    const entries: yauzl.Entry[] = [];
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (wanted.has(entry.fileName)) entries.push(entry);
        zip.readEntry();
      });
      zip.readEntry();
    });
    for (const [i, entry] of entries.entries()) {
      const file = join(dir, `${i}.wacz`);
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(file, { flags: 'wx' }));
      out.set(entry.fileName, file);
    }
  } finally {
    zip.close();
  }
  return out;
}
