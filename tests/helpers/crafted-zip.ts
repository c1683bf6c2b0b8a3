import { writeFileSync } from 'node:fs';

/**
 * Hand-built ZIP files of the kinds an attacker sends: entries that all point at the same bytes,
 * entries declaring sizes the file cannot hold, and more entries than any bundle has. Every entry is
 * STORED; CRCs are left 0 (what is under test gives up before any data is read).
 */
export type CraftedEntry = Readonly<{ name: string; offset: number; size: number }>;

function centralHeader(e: CraftedEntry): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt16LE(0x0800, 8); // UTF-8 names
  h.writeUInt16LE(0x21, 14); // 1980-01-01
  h.writeUInt32LE(e.size, 20);
  h.writeUInt32LE(e.size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt32LE(e.offset, 42);
  return Buffer.concat([h, name]);
}

function localHeader(name: string, size: number): Buffer {
  const n = Buffer.from(name, 'utf8');
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(0x0800, 6);
  h.writeUInt16LE(0x21, 12);
  h.writeUInt32LE(size, 18);
  h.writeUInt32LE(size, 22);
  h.writeUInt16LE(n.length, 26);
  return Buffer.concat([h, n]);
}

function endRecords(count: number, cdOffset: number, cdSize: number): Buffer {
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  const small = count <= 0xffff;
  eocd.writeUInt16LE(small ? count : 0xffff, 8);
  eocd.writeUInt16LE(small ? count : 0xffff, 10);
  eocd.writeUInt32LE(cdSize, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  if (small) return eocd;
  const z = Buffer.alloc(56);
  z.writeUInt32LE(0x06064b50, 0);
  z.writeBigUInt64LE(44n, 4);
  z.writeUInt16LE(45, 12);
  z.writeUInt16LE(45, 14);
  z.writeBigUInt64LE(BigInt(count), 24);
  z.writeBigUInt64LE(BigInt(count), 32);
  z.writeBigUInt64LE(BigInt(cdSize), 40);
  z.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([z, locator, eocd]);
}

/**
 * One real STORED file of `dataBytes` at offset 0, then a central directory of `entries` (which may
 * point anywhere and declare anything).
 */
export function writeCraftedZip(
  path: string,
  dataBytes: number,
  entries: (firstEnd: number) => Iterable<CraftedEntry>,
): void {
  const head = localHeader('data.bin', dataBytes);
  const parts: Buffer[] = [head, Buffer.alloc(dataBytes, 0x61)];
  const cdOffset = head.length + dataBytes;
  const central: Buffer[] = [];
  let cdSize = 0;
  let count = 0;
  for (const e of entries(cdOffset)) {
    const h = centralHeader(e);
    central.push(h);
    cdSize += h.length;
    count += 1;
  }
  writeFileSync(path, Buffer.concat([...parts, ...central, endRecords(count, cdOffset, cdSize)]));
}

/** `count` real, empty STORED files (a ZIP64 end record past 65,535). */
export function writeManyEntriesZip(path: string, count: number): void {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  let cdSize = 0;
  for (let i = 0; i < count; i += 1) {
    const name = `f/${i.toString(36)}`;
    const l = localHeader(name, 0);
    locals.push(l);
    const c = centralHeader({ name, offset, size: 0 });
    central.push(c);
    offset += l.length;
    cdSize += c.length;
  }
  writeFileSync(path, Buffer.concat([...locals, ...central, endRecords(count, offset, cdSize)]));
}
