import { sha256Hex } from '@core/custody/signing';
import type { BundleEntry } from '../zip-writer';

/** A file of the bundle to be: its path, size and hash known up front, its bytes opened when written. */
export type Planned = Readonly<{ path: string; bytes: number; sha256: string; open: BundleEntry['open'] }>;

export const text = (s: string): Buffer => Buffer.from(s, 'utf8');
export const json = (v: unknown): Buffer => text(`${JSON.stringify(v, null, 2)}\n`);

export const fromBuffer = (path: string, data: Buffer): Planned => ({
  path,
  bytes: data.length,
  sha256: sha256Hex(data),
  open: () => data,
});
