import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type SqlValue } from '@core/db/database';
import { migrate } from '@core/db/migrate';
import { MIGRATIONS } from '@core/db/migrations/index';
import { unitStats, unitStatsReference } from '@core/stats/stats-service';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * The statistics SQLite aggregates must equal, figure for figure, the Node reference over the same
 * records. The record is random (seeded) and awkward on purpose: resources without a report, failed
 * and repeated captures, revised decisions, several referrals per resource, repeated and unordered
 * events, refusals with and without a reason, re-appearances, removals stamped before the notice,
 * broken and duplicated category lists changed after the fact, resources outside the period, ties.
 * The summaries the aggregation reads (migration 0250) are checked both as their triggers write them
 * and as the migration backfills them from a record that existed before it.
 */

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const H = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function fill(db: Database, seed: number): Promise<void> {
  const rnd = lcg(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // Whole hours half the time, so that ties and equal order statistics happen.
  const at = (base: number, spanH: number): number =>
    base + (rnd() < 0.5 ? Math.floor(rnd() * spanH) * H : Math.floor(rnd() * spanH * H));
  const categories = [
    '["drugs"]',
    '["fraud","drugs"]',
    '["drugs","drugs"]',
    '[]',
    'not json',
    '{"a":1}',
    '["Weapons",3]',
    '["weapons"]',
  ];
  const states = ['acknowledged', 'removed', 'partially_removed', 'refused', 'moved', 'reappeared'];
  const reasons = [null, 'not_illegal', 'needs_court_order', 'insufficient_information'];
  await db.write(async (tx) => {
    await tx.run(
      "INSERT OR IGNORE INTO blobs (sha256, bytes, created_at) VALUES (?, 0, '2026-01-01T00:00:00.000Z')",
      ['a'.repeat(64)],
    );
    for (let r = 0; r < 6; r++)
      await tx.run(
        `INSERT INTO recipients (id, name, kind, channel, address, language, verified, created_at, created_by)
         VALUES (?, ?, ?, 'email', 'abuse@host.example', 'en', 1, ?, 'test')`,
        [
          `rcp_${seed}_${r}`,
          pick(['host', 'Host', 'Бета', 'alpha']) + ` ${seed}-${r}`,
          pick(['platform', 'hosting', 'isp']),
          iso(T0),
        ],
      );
    for (let i = 0; i < 300; i++) {
      const rid = `res_${seed}_${String(i).padStart(6, '0')}`;
      // Created across three months; the period asked for is the middle one and a bit.
      const created = at(T0 - 30 * 24 * H, 90 * 24);
      await tx.run(
        `INSERT INTO resources (id, url, display_url, host, state, categories, created_at, updated_at)
         VALUES (?, ?, ?, 'h.example', 'approved', ?, ?, ?)`,
        [rid, `https://h.example/${rid}`, `h.example/${rid}`, pick(categories), iso(created), iso(created)],
      );
      for (let k = Math.floor(rnd() * 3); k > 0; k--)
        await tx.run(
          `INSERT INTO reports (id, resource_id, original_url, source_type, received_at, created_by, created_at)
           VALUES (?, ?, 'https://h.example/', 'volunteer', ?, 'test', ?)`,
          [`rep_${rid}_${k}`, rid, iso(at(created, 5)), iso(created)],
        );
      for (let k = Math.floor(rnd() * 3); k > 0; k--) {
        const started = at(created, 30);
        await tx.run(
          `INSERT INTO captures (id, resource_id, operator, outcome, started_at, finished_at, manifest_sha256, record)
           VALUES (?, ?, 'test', ?, ?, ?, ?, '{}')`,
          [
            `cap_${rid}_${k}`,
            rid,
            pick(['complete', 'partial', 'failed']),
            iso(started),
            iso(started),
            'a'.repeat(64),
          ],
        );
      }
      const decisions: string[] = [];
      for (let k = Math.floor(rnd() * 3); k > 0; k--) {
        const did = `dec_${rid}_${k}`;
        decisions.push(did);
        await tx.run(
          `INSERT INTO decisions (id, resource_id, reviewer, decision, signed_at, record) VALUES (?, ?, 'r', ?, ?, '{}')`,
          [did, rid, pick(['approve', 'approve', 'reject', 'needs_recapture']), iso(at(created, 80))],
        );
      }
      if (decisions.length === 0) continue;
      for (let k = Math.floor(rnd() * 3); k > 0; k--) {
        const fid = `rfl_${rid}_${k}`;
        const drafted = at(created, 100);
        await tx.run(
          `INSERT INTO referrals (id, resource_id, decision_id, recipient_id, regime_id, template_version, language,
             created_at, created_by) VALUES (?, ?, ?, ?, ?, 1, 'en', ?, 'test')`,
          [
            fid,
            rid,
            decisions[0]!,
            `rcp_${seed}_${Math.floor(rnd() * 6)}`,
            pick(['dsa-16', 'tos', 'Register']),
            iso(drafted),
          ],
        );
        const events: SqlValue[][] = [[fid, iso(drafted), null, 'draft', null]];
        if (rnd() < 0.85) events.push([fid, iso(at(drafted, 40)), 'draft', 'sent', null]);
        for (let e = Math.floor(rnd() * 4); e > 0; e--) {
          const to = pick(states);
          events.push([
            fid,
            iso(at(drafted - 5 * H, 400)),
            'sent',
            to,
            to === 'refused' ? pick(reasons) : null,
          ]);
        }
        if (rnd() < 0.1) events.push([fid, iso(at(drafted, 40)), 'sent', 'sent', null]);
        for (const e of events)
          await tx.run(
            `INSERT INTO referral_events (referral_id, at, actor, from_state, to_state, reason) VALUES (?, ?, 't', ?, ?, ?)`,
            [e[0]!, e[1]!, e[2]!, e[3]!, e[4]!],
          );
      }
    }
    // A later report changes the category list of some resources (as `addReportToResource` does).
    for (let i = 0; i < 300; i += 7)
      await tx.run('UPDATE resources SET categories = ? WHERE id = ?', [
        pick(categories),
        `res_${seed}_${String(i).padStart(6, '0')}`,
      ]);
  });
}

const SEEDS = [3, 14, 2026];
const SUMMARIES = 250;
let dir: { path: string; remove: () => void };
/** Filled after every migration (the summaries' triggers wrote them). */
let db: Database;
/** Filled before the summaries' migration, which then backfilled them. */
let backfilled: Database;

beforeAll(async () => {
  dir = tempDir('vigil-stats-sql-');
  const opts = { backupDir: dir.path, clock: () => new Date(T0) };
  db = await openDatabase(join(dir.path, 'vigil.db'));
  await migrate(db, MIGRATIONS, opts);
  for (const seed of SEEDS) await fill(db, seed);
  backfilled = await openDatabase(join(dir.path, 'backfilled.db'));
  await migrate(
    backfilled,
    MIGRATIONS.filter((m) => m.version < SUMMARIES),
    opts,
  );
  for (const seed of SEEDS) await fill(backfilled, seed);
  await migrate(backfilled, MIGRATIONS, opts);
});
afterAll(async () => {
  await db.close();
  await backfilled.close();
  dir.remove();
});

describe('statistics aggregated in SQLite', () => {
  it.each([
    ['2026-03-01', '2026-04-15'],
    ['2026-02-01', '2026-05-31'],
    ['2026-03-10', '2026-03-10'],
    ['2030-01-01', '2030-12-31'],
  ])('equal the Node reference on a random record, %s to %s', async (from, to) => {
    const sql = await unitStats(db, from, to);
    const reference = await unitStatsReference(db, from, to);
    expect(sql).toEqual(reference);
    expect(await unitStats(backfilled, from, to)).toEqual(reference);
    if (from === '2026-02-01') {
      // The record is not trivial: every part of the report has something to compare.
      expect(reference.counts.removed).toBeGreaterThan(20);
      expect(reference.refusalReasons.length).toBeGreaterThan(2);
      expect(reference.reappearanceRate).toBeGreaterThan(0);
      expect(reference.byCategory.length).toBeGreaterThan(2);
      expect(reference.durations.noticeToRemoval.count).toBeGreaterThan(20);
    }
  });
});
