// PDQ matching cost against a list of 1,000,000 PDQ hashes (the packed popcount scan of
// electron/core/media/media-matcher.ts), per queried media item; and the PDQ hash itself of a
// 1280×960 image, as a ratio of the SHA-256 of its PNG bytes in the same run.
import { randomFillSync } from 'node:crypto';
import { createHash } from 'node:crypto';
import { pdqHash } from '../electron/core/media/pdq';
import { packPdqs, pdqNear } from '../electron/core/media/media-matcher';

const ENTRIES = Number(process.env.BENCH_PDQ_ENTRIES ?? 1_000_000);
const QUERIES = 20;

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function randomHex(): string {
  return randomFillSync(Buffer.alloc(32)).toString('hex');
}

const hexes = Array.from({ length: ENTRIES }, randomHex);
let t = performance.now();
const packed = packPdqs(hexes);
const packMs = performance.now() - t;
const scans: number[] = [];
for (let q = 0; q < QUERIES; q += 1) {
  // Every other query is a near copy of a listed hash (4 bits flipped), to find a hit each time.
  const query = q % 2 === 0 ? randomHex() : `${(hexes[q * 997] ?? '').slice(0, 63)}0`;
  t = performance.now();
  pdqNear(packed, query, 31);
  scans.push(performance.now() - t);
}
console.log(
  `packed ${ENTRIES} PDQ hashes in ${packMs.toFixed(0)} ms (${(packed.words.byteLength / 1024 / 1024).toFixed(0)} MiB)`,
);
console.log(`scan at distance 31: median ${median(scans).toFixed(1)} ms per media item (${QUERIES} queries)`);

const width = 1280;
const height = 960;
const data = randomFillSync(new Uint8Array(width * height * 3));
const pdqTimes: number[] = [];
const shaTimes: number[] = [];
for (let round = 0; round < 5; round += 1) {
  t = performance.now();
  pdqHash({ width, height, channels: 3, data });
  pdqTimes.push(performance.now() - t);
  t = performance.now();
  createHash('sha256').update(data).digest('hex');
  shaTimes.push(performance.now() - t);
}
console.log(
  `PDQ of ${width}×${height}: median ${median(pdqTimes).toFixed(0)} ms (${(median(pdqTimes) / median(shaTimes)).toFixed(0)}× the SHA-256 of its raw pixels)`,
);
