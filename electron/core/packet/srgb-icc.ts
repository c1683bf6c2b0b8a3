/**
 * An ICC v2 display profile for sRGB (IEC 61966-2-1), built from its published constants so the
 * packet's PDF/A OutputIntent (ISO 19005-3 §6.2.3) needs no downloaded file: primaries adapted to
 * the D50 PCS with the Bradford transform, and the sRGB tone curve sampled at 1024 points. The same
 * bytes come out every time, so packets stay reproducible.
 */

const s15Fixed16 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(Math.round(v * 65536));
  return b;
};

const xyzTag = (x: number, y: number, z: number): Buffer =>
  Buffer.concat([Buffer.from('XYZ \0\0\0\0', 'latin1'), s15Fixed16(x), s15Fixed16(y), s15Fixed16(z)]);

/** textDescriptionType: ASCII, then empty Unicode and ScriptCode parts (ICC.1:2001-04 §6.5.17). */
function descTag(text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, 'latin1');
  const head = Buffer.alloc(12);
  head.write('desc', 0, 'latin1');
  head.writeUInt32BE(ascii.length, 8);
  return Buffer.concat([head, ascii, Buffer.alloc(4 + 4 + 2 + 1 + 67)]);
}

const textTag = (text: string): Buffer =>
  Buffer.concat([Buffer.from('text\0\0\0\0', 'latin1'), Buffer.from(`${text}\0`, 'latin1')]);

/** The sRGB electro-optical transfer function, sampled (curveType). */
function trcTag(points = 1024): Buffer {
  const head = Buffer.alloc(12);
  head.write('curv', 0, 'latin1');
  head.writeUInt32BE(points, 8);
  const table = Buffer.alloc(points * 2);
  for (let i = 0; i < points; i++) {
    const v = i / (points - 1);
    const linear = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    table.writeUInt16BE(Math.round(linear * 65535), i * 2);
  }
  return Buffer.concat([head, table]);
}

const pad4 = (b: Buffer): Buffer =>
  b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);

let cached: Buffer | null = null;

export function srgbIccProfile(): Buffer {
  if (cached !== null) return cached;
  const trc = trcTag();
  // Tags that share data point at one copy (rTRC, gTRC and bTRC are identical).
  const tags: [string, Buffer | string][] = [
    ['desc', descTag('sRGB IEC61966-2.1')],
    ['cprt', textTag('No copyright, use freely')],
    ['wtpt', xyzTag(0.9642, 1.0, 0.8249)],
    ['rXYZ', xyzTag(0.4360747, 0.2225045, 0.0139322)],
    ['gXYZ', xyzTag(0.3850649, 0.7168786, 0.0971045)],
    ['bXYZ', xyzTag(0.1430804, 0.0606169, 0.7141733)],
    ['rTRC', trc],
    ['gTRC', 'rTRC'],
    ['bTRC', 'rTRC'],
  ];
  const tableSize = 4 + tags.length * 12;
  let offset = 128 + tableSize;
  const placed = new Map<string, { offset: number; size: number }>();
  const data: Buffer[] = [];
  const table = Buffer.alloc(tableSize);
  table.writeUInt32BE(tags.length, 0);
  tags.forEach(([sig, body], i) => {
    let at: { offset: number; size: number };
    if (typeof body === 'string') {
      const shared = placed.get(body);
      if (shared === undefined) throw new Error(`ICC tag ${body} must come before ${sig}`);
      at = shared;
    } else {
      at = { offset, size: body.length };
      const padded = pad4(body);
      data.push(padded);
      offset += padded.length;
    }
    placed.set(sig, at);
    table.write(sig, 4 + i * 12, 'latin1');
    table.writeUInt32BE(at.offset, 8 + i * 12);
    table.writeUInt32BE(at.size, 12 + i * 12);
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8); // version 2.1
  header.write('mntrRGB XYZ ', 12, 'latin1');
  // Creation date: fixed, so the profile is byte-identical everywhere.
  [2026, 1, 1, 0, 0, 0].forEach((v, i) => header.writeUInt16BE(v, 24 + i * 2));
  header.write('acsp', 36, 'latin1');
  header.writeUInt32BE(0, 64); // rendering intent: perceptual
  s15Fixed16(0.9642).copy(header, 68);
  s15Fixed16(1.0).copy(header, 72);
  s15Fixed16(0.8249).copy(header, 76);
  cached = Buffer.concat([header, table, ...data]);
  return cached;
}
