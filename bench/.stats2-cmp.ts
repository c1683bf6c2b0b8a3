import { openDatabase } from '../electron/core/db/database';
import { unitStats, unitStatsReference } from '../electron/core/stats/stats-service';
const db = await openDatabase(process.argv[2]!);
const cpu = async (fn: () => Promise<unknown>) => {
  const c = process.cpuUsage(); const t = performance.now();
  await fn();
  const d = process.cpuUsage(c);
  return `${(performance.now() - t).toFixed(0)} wall / ${((d.user + d.system) / 1000).toFixed(0)} cpu`;
};
for (let i = 0; i < 2; i++) {
  console.log('sql year', await cpu(() => unitStats(db, '2026-01-01', '2026-12-31')));
  console.log('node year', await cpu(() => unitStatsReference(db, '2026-01-01', '2026-12-31')));
  console.log('sql month', await cpu(() => unitStats(db, '2026-06-01', '2026-06-30')));
  console.log('node month', await cpu(() => unitStatsReference(db, '2026-06-01', '2026-06-30')));
}
await db.close();
