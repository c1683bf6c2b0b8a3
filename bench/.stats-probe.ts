import { openDatabase } from '../electron/core/db/database';
import { stageTimes, statsReferrals } from '../electron/core/db/repositories/stats-repo';
import { computeStats } from '../electron/core/stats/compute-stats';
const db = await openDatabase(process.argv[2]!);
for (let k = 0; k < 2; k++) {
  let t = performance.now();
  const s = await db.read((c) => stageTimes(c, '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'));
  const a = performance.now() - t; t = performance.now();
  const e = await db.read((c) => statsReferrals(c, '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'));
  const b = performance.now() - t; t = performance.now();
  computeStats({ from: 'a', to: 'b' }, s, e);
  console.log(`stages ${a.toFixed(0)} ms (${s.length}), events ${b.toFixed(0)} ms (${e.length}), compute ${(performance.now() - t).toFixed(0)} ms`);
}
await db.close();
