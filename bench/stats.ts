// The unit's statistics on a large record: 100,000 resources (BENCH_STATS_RESOURCES) with their
// reports, captures and decisions, 20 recipients and 300,000 referral events, generated straight
// into a migrated SQLite file (multi-row INSERTs in one transaction, not through the services).
// Prints the time of the statistics query (aggregated in SQLite) for a whole year and for one month
// (median of 5 runs each, after one warm-up) next to the time of a plain `count(*)` over resources as
// the baseline, and the Node reference it must equal (one run).
// Printed, not asserted; the target is ≤ 500 ms for the year.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database, type SqlValue, type WriteConn } from '../electron/core/db/database';
import { migrate } from '../electron/core/db/migrate';
import { MIGRATIONS } from '../electron/core/db/migrations/index';
import { unitStats, unitStatsReference } from '../electron/core/stats/stats-service';

const RESOURCES = Number(process.env.BENCH_STATS_RESOURCES ?? 100_000);
const EVENTS = RESOURCES * 3;
const YEAR0 = Date.parse('2026-01-01T00:00:00.000Z');
const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const id = (prefix: string, i: number): string => `${prefix}_${i.toString(36).padStart(12, '0')}`;

/** A small deterministic generator, so two runs measure the same data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function insertRows(
  tx: WriteConn,
  table: string,
  columns: readonly string[],
  rows: SqlValue[][],
): Promise<void> {
  const per = Math.floor(30_000 / columns.length);
  const one = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    await tx.run(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => one).join(', ')}`,
      chunk.flat(),
    );
  }
}

async function generate(db: Database): Promise<{ events: number }> {
  const rnd = lcg(14);
  const categories = ['drugs', 'fraud', 'weapons', 'extremism', 'gambling'];
  const regimes = ['dsa-art16-notice', 'dsa-art9-order', 'blocking-register-entry', 'voluntary-tos-referral'];
  const kinds = ['platform', 'hosting', 'registrar', 'isp', 'authority'];
  const reasons = ['not_illegal', 'not_our_content', 'needs_court_order', 'insufficient_information'];
  const resources: SqlValue[][] = [];
  const reports: SqlValue[][] = [];
  const captures: SqlValue[][] = [];
  const decisions: SqlValue[][] = [];
  const referrals: SqlValue[][] = [];
  const events: SqlValue[][] = [];
  const recipients: SqlValue[][] = Array.from({ length: 20 }, (_, i) => [
    id('rcp', i),
    `Recipient ${i}`,
    kinds[i % kinds.length]!,
    'email',
    `abuse${i}@host.example`,
    'en',
    1,
    iso(YEAR0),
    'bench',
  ]);
  const manifest = 'a'.repeat(64);
  let eventCount = 0;
  for (let i = 0; i < RESOURCES; i++) {
    const created = YEAR0 + Math.floor(rnd() * 364 * 24 * H);
    const rid = id('res', i);
    resources.push([
      rid,
      `https://site${i % 997}.example/p/${i}`,
      `site${i % 997}.example/p/${i}`,
      `site${i % 997}.example`,
      'approved',
      JSON.stringify([categories[i % categories.length]]),
      iso(created),
      iso(created),
    ]);
    reports.push([
      id('rep', i),
      rid,
      `https://site${i % 997}.example/p/${i}`,
      'volunteer',
      iso(created),
      'bench',
      iso(created),
    ]);
    if (rnd() < 0.1) continue;
    const captured = created + Math.floor(rnd() * 12 * H);
    captures.push([
      id('cap', i),
      rid,
      'bench',
      'complete',
      iso(captured),
      iso(captured + 60_000),
      manifest,
      '{}',
    ]);
    if (rnd() < 0.1) continue;
    const decided = captured + Math.floor(rnd() * 48 * H);
    decisions.push([id('dec', i), rid, 'reviewer', 'approve', iso(decided), '{}']);
    // Events: up to three per resource on average (created, sent, an outcome), until the budget is spent.
    if (eventCount + 3 > EVENTS) continue;
    const fid = id('rfl', i);
    referrals.push([
      fid,
      rid,
      id('dec', i),
      id('rcp', i % 20),
      regimes[i % regimes.length]!,
      1,
      'en',
      iso(decided),
      'bench',
    ]);
    const sent = decided + Math.floor(rnd() * 24 * H);
    events.push([fid, iso(decided), 'bench', null, 'draft']);
    events.push([fid, iso(sent), 'bench', 'draft', 'sent']);
    const roll = rnd();
    if (roll < 0.7)
      events.push([fid, iso(sent + Math.floor(rnd() * 10 * 24 * H)), 'bench', 'sent', 'removed', null]);
    else if (roll < 0.85)
      events.push([fid, iso(sent + 24 * H), 'bench', 'sent', 'refused', reasons[i % reasons.length]!]);
    else events.push([fid, iso(sent + 2 * H), 'bench', 'sent', 'acknowledged']);
    eventCount += 3;
  }
  // Fill the rest of the event budget with acknowledgements so that the table holds EVENTS rows.
  for (let k = 0; eventCount < EVENTS && k < referrals.length; k++, eventCount++) {
    const ref = referrals[k]!;
    events.push([ref[0]!, iso(Date.parse(String(ref[7])) + H), 'bench', 'sent', 'sent', null]);
  }
  await db.write(async (tx) => {
    await tx.run("INSERT INTO blobs (sha256, bytes, created_at) VALUES (?, 0, '2026-01-01T00:00:00.000Z')", [
      manifest,
    ]);
    await insertRows(
      tx,
      'resources',
      ['id', 'url', 'display_url', 'host', 'state', 'categories', 'created_at', 'updated_at'],
      resources,
    );
    await insertRows(
      tx,
      'reports',
      ['id', 'resource_id', 'original_url', 'source_type', 'received_at', 'created_by', 'created_at'],
      reports,
    );
    await insertRows(
      tx,
      'captures',
      ['id', 'resource_id', 'operator', 'outcome', 'started_at', 'finished_at', 'manifest_sha256', 'record'],
      captures,
    );
    await insertRows(
      tx,
      'decisions',
      ['id', 'resource_id', 'reviewer', 'decision', 'signed_at', 'record'],
      decisions,
    );
    await insertRows(
      tx,
      'recipients',
      ['id', 'name', 'kind', 'channel', 'address', 'language', 'verified', 'created_at', 'created_by'],
      recipients,
    );
    await insertRows(
      tx,
      'referrals',
      [
        'id',
        'resource_id',
        'decision_id',
        'recipient_id',
        'regime_id',
        'template_version',
        'language',
        'created_at',
        'created_by',
      ],
      referrals,
    );
    await insertRows(
      tx,
      'referral_events',
      ['referral_id', 'at', 'actor', 'from_state', 'to_state', 'reason'],
      events.map((e) => (e.length === 5 ? [...e, null] : e)),
    );
  });
  await db.raw.exec('ANALYZE');
  return { events: events.length };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, value };
}

async function medianMs(fn: () => Promise<unknown>, runs = 5): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timed(fn)).ms);
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-stats-'));
  try {
    const db = await openDatabase(join(dir, 'vigil.db'));
    await migrate(db, MIGRATIONS, { backupDir: dir, clock: () => new Date() });
    const gen = await timed(() => generate(db));
    const baseline = await medianMs(() => db.read((c) => c.get('SELECT count(*) AS n FROM resources')));
    const year = await medianMs(() => unitStats(db, '2026-01-01', '2026-12-31'));
    const month = await medianMs(() => unitStats(db, '2026-06-01', '2026-06-30'));
    const report = await unitStats(db, '2026-01-01', '2026-12-31');
    // The Node reference (one row per resource and referral folded in JavaScript), once, for scale.
    const reference = await timed(() => unitStatsReference(db, '2026-01-01', '2026-12-31'));
    // CPU time as well as wall time: on a shared machine the wall clock also counts the waiting.
    const cpu = async (fn: () => Promise<unknown>): Promise<number> => {
      const before = process.cpuUsage();
      await fn();
      const used = process.cpuUsage(before);
      return (used.user + used.system) / 1000;
    };
    const yearCpu = await cpu(() => unitStats(db, '2026-01-01', '2026-12-31'));
    const referenceCpu = await cpu(() => unitStatsReference(db, '2026-01-01', '2026-12-31'));
    const same = JSON.stringify(reference.value) === JSON.stringify(report);
    await db.close();
    console.log(
      `generated ${RESOURCES} resources, ${gen.value.events} referral events in ${(gen.ms / 1000).toFixed(1)} s`,
    );
    console.log(
      `counts: ${JSON.stringify(report.counts)}; removal rate ${report.removalRate?.toFixed(3) ?? '-'}`,
    );
    console.log(`baseline count(*) over resources: ${baseline.toFixed(1)} ms`);
    console.log(`statistics, whole year: ${year.toFixed(0)} ms (target ≤ 500 ms)`);
    console.log(`statistics, one month: ${month.toFixed(0)} ms`);
    console.log(
      `Node reference, whole year (one run): ${reference.ms.toFixed(0)} ms; same report: ${same ? 'yes' : 'NO'}`,
    );
    console.log(
      `CPU time, whole year: SQL ${yearCpu.toFixed(0)} ms, Node reference ${referenceCpu.toFixed(0)} ms`,
    );
  } finally {
    if (process.env.BENCH_STATS_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

await main();
