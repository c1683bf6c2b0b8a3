import type yauzl from 'yauzl';

/**
 * Bounds a ZIP must keep before any of its entries is read, so a crafted file ends at once with a
 * named failure instead of hours of hashing or gigabytes of memory: at most `MAX_BUNDLE_ENTRIES`
 * entries; every entry's data inside the file; no two entries sharing bytes (a 1 MB file whose
 * thousands of entries all point at the same compressed run would otherwise declare a terabyte); the
 * stored sizes summing to no more than the file; and no entry inflating beyond what DEFLATE can
 * produce from its compressed bytes (about 1032:1). Entries are checked as the central directory is
 * walked, before each one's data is opened: they must lie in the file in the order the directory
 * lists them (as every ZIP writer lays them out), each starting after the previous one ends, which
 * refuses overlapping entries with no per-entry memory. The work done on a ZIP is therefore bounded
 * by its size.
 */
export const MAX_BUNDLE_ENTRIES = 250_000;

/** The most DEFLATE can expand (RFC 1951: 258 bytes per 2-bit code, rounded up). */
const MAX_INFLATE_RATIO = 1032;
/** The fixed part of a local file header (APPNOTE 4.3.7). */
const LOCAL_HEADER_BYTES = 30;

export type BoundsProblem = Readonly<{ name: string | null; message: string }>;

function entryProblem(entry: yauzl.Entry, fileSize: number): string | null {
  const start = entry.relativeOffsetOfLocalHeader;
  const end = start + LOCAL_HEADER_BYTES + entry.fileNameLength + entry.compressedSize;
  if (end > fileSize)
    return `declares ${entry.compressedSize} bytes at offset ${start}, beyond the end of the ${fileSize}-byte file`;
  if (entry.compressionMethod === 0 && entry.uncompressedSize !== entry.compressedSize)
    return `a stored entry declaring ${entry.uncompressedSize} bytes but holding ${entry.compressedSize}`;
  if (entry.uncompressedSize > Math.max(entry.compressedSize, 1) * MAX_INFLATE_RATIO)
    return `declares ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed bytes, more than DEFLATE can expand`;
  return null;
}

/** The entry count, checked before the first entry is read. */
export function entryCountProblem(zip: yauzl.ZipFile): BoundsProblem | null {
  return zip.entryCount > MAX_BUNDLE_ENTRIES
    ? {
        name: null,
        message: `the ZIP declares ${zip.entryCount} entries; at most ${MAX_BUNDLE_ENTRIES} are read`,
      }
    : null;
}

/** Checks each entry of `zip`, in central-directory order, before its data is read. */
export function createBoundsTracker(zip: yauzl.ZipFile): (entry: yauzl.Entry) => BoundsProblem | null {
  let stored = 0;
  let prevEnd = 0;
  let prevName = '';
  return (entry) => {
    const problem = entryProblem(entry, zip.fileSize);
    if (problem !== null) return { name: entry.fileName, message: problem };
    stored += entry.compressedSize;
    if (stored > zip.fileSize)
      return {
        name: entry.fileName,
        message: `the entries declare ${stored}+ stored bytes in a ${zip.fileSize}-byte file`,
      };
    const start = entry.relativeOffsetOfLocalHeader;
    if (start < prevEnd)
      return {
        name: entry.fileName,
        message: `overlaps the bytes of ${prevName} (entries sharing data, or listed out of order, are refused)`,
      };
    prevEnd = start + LOCAL_HEADER_BYTES + entry.fileNameLength + entry.compressedSize;
    prevName = entry.fileName;
    return null;
  };
}
