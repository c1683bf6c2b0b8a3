import { openDatabase } from '../electron/core/db/database';
import { periodAggregates } from '../electron/core/db/repositories/stats-repo';
const db = await openDatabase(process.argv[2]!);
for (let i = 0; i < 4; i++) {
  const t = performance.now();
  const a = await db.read((c) => periodAggregates(c, '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'));
  console.log((performance.now() - t).toFixed(0), 'ms', JSON.stringify(a).slice(0, 600));
}
await db.close();
