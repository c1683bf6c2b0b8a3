import { describe, expect, it } from 'vitest';
import type { Database, SqlValue, WriteConn } from '@core/db/database';
import { migrate } from '@core/db/migrate';
import { MIGRATIONS } from '@core/db/migrations/index';
import { dsaReport, lumenRecords, unitStats, unitStatsReference } from '@core/stats/stats-service';
import { dbEngines } from '@tests/helpers/db-engines';
import { tempDir } from '@tests/helpers/temp-dir';

/**
 * The statistics repositories on both engines: the aggregated report, the Node reference (whose
 * referral folding was SQLite-only SQL) and the regime exports give the same known figures on SQLite
 * and on PostgreSQL. Four resources in March (one never captured well, one rejected), one in May
 * outside the period; two referrals, one removed after 2 h and one refused. The same figures come from
 * the summaries (migration 0250) whether their triggers wrote them or the migration backfilled them
 * from a record that existed before it, and a changed category list is followed.
 */

const engines = dbEngines();
const H = 3_600_000;
const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const at = (hours: number, base = T0): string => new Date(base + hours * H).toISOString();
const BLOB = 'b'.repeat(64);

async function insert(tx: WriteConn, table: string, row: Readonly<Record<string, SqlValue>>): Promise<void> {
  const columns = Object.keys(row);
  await tx.run(
    `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    Object.values(row),
  );
}

async function resource(tx: WriteConn, n: number, created: string, category: string): Promise<string> {
  const id = `res_${String(n).padStart(10, '0')}`;
  const url = `https://shop${n}.example/p`;
  await insert(tx, 'resources', {
    id,
    url,
    display_url: url,
    host: `shop${n}.example`,
    state: 'approved',
    categories: JSON.stringify([category]),
    created_at: created,
    updated_at: created,
  });
  return id;
}

async function capture(tx: WriteConn, resourceId: string, startedAt: string, outcome: string): Promise<void> {
  await insert(tx, 'captures', {
    id: `cap_${resourceId.slice(4)}`,
    resource_id: resourceId,
    operator: 'amina',
    outcome,
    started_at: startedAt,
    finished_at: startedAt,
    manifest_sha256: BLOB,
    record: '{}',
  });
}

async function decision(
  tx: WriteConn,
  resourceId: string,
  verdict: string,
  signedAt: string,
): Promise<string> {
  const id = `dec_${resourceId.slice(4)}`;
  await insert(tx, 'decisions', {
    id,
    resource_id: resourceId,
    reviewer: 'boris',
    decision: verdict,
    signed_at: signedAt,
    record: '{}',
  });
  return id;
}

type Step = Readonly<{ at: string; from: string | null; to: string; reason?: string }>;

async function referral(
  tx: WriteConn,
  o: Readonly<{ id: string; resourceId: string; decisionId: string; recipient: string; regime: string }>,
  steps: readonly Step[],
): Promise<void> {
  await insert(tx, 'referrals', {
    id: o.id,
    resource_id: o.resourceId,
    decision_id: o.decisionId,
    recipient_id: o.recipient,
    regime_id: o.regime,
    template_version: 1,
    language: 'en',
    created_at: steps[0]?.at ?? at(0),
    created_by: 'amina',
  });
  for (const s of steps) {
    await insert(tx, 'referral_events', {
      referral_id: o.id,
      at: s.at,
      actor: 'amina',
      from_state: s.from,
      to_state: s.to,
      reason: s.reason ?? null,
    });
    if (s.to === 'sent')
      await insert(tx, 'notices', {
        referral_id: o.id,
        kind: 'notice',
        language: 'en',
        pdf_sha256: BLOB,
        sent_at: s.at,
        channel: 'email',
        address: 'abuse@host.example',
        actor: 'amina',
      });
  }
}

async function seed(db: Database): Promise<void> {
  await db.write(async (tx) => {
    await insert(tx, 'blobs', { sha256: BLOB, bytes: 0, created_at: at(0) });
    for (const [id, name, kind] of [
      ['rcp_a', 'Host A', 'hosting'],
      ['rcp_b', 'Platform B', 'platform'],
    ] as const)
      await insert(tx, 'recipients', {
        id,
        name,
        kind,
        channel: 'email',
        address: 'abuse@host.example',
        language: 'en',
        verified: 1,
        created_at: at(0),
        created_by: 'admin',
      });
    const r1 = await resource(tx, 1, at(0), 'drugs');
    const r2 = await resource(tx, 2, at(0), 'drugs');
    const r3 = await resource(tx, 3, at(0), 'fraud');
    const r4 = await resource(tx, 4, at(0), 'fraud');
    const r5 = await resource(tx, 5, '2026-05-10T00:00:00.000Z', 'drugs');
    await capture(tx, r1, at(1), 'complete');
    await capture(tx, r2, at(2), 'complete');
    await capture(tx, r3, at(3), 'partial');
    await capture(tx, r4, at(1), 'failed');
    await capture(tx, r5, '2026-05-10T01:00:00.000Z', 'complete');
    const d1 = await decision(tx, r1, 'approve', at(2));
    const d2 = await decision(tx, r2, 'approve', at(4));
    await decision(tx, r3, 'reject', at(6));
    await referral(
      tx,
      { id: 'rfl_0000000001', resourceId: r1, decisionId: d1, recipient: 'rcp_a', regime: 'dsa-16' },
      [
        { at: at(2), from: null, to: 'draft' },
        { at: at(3), from: 'draft', to: 'sent' },
        { at: at(5), from: 'sent', to: 'removed' },
      ],
    );
    await referral(
      tx,
      { id: 'rfl_0000000002', resourceId: r2, decisionId: d2, recipient: 'rcp_b', regime: 'tos' },
      [
        { at: at(4), from: null, to: 'draft' },
        { at: at(7), from: 'draft', to: 'sent' },
        { at: at(8), from: 'sent', to: 'refused', reason: 'not_illegal' },
      ],
    );
  });
}

const SUMMARIES = 250;

/** The record of `seed` written before the summaries existed, then the summaries' migration run. */
async function seededThenMigrated(open: () => Promise<Database>, backupDir: string): Promise<Database> {
  const db = await open();
  const opts = { backupDir, clock: () => new Date(T0) };
  await migrate(
    db,
    MIGRATIONS.filter((m) => m.version < SUMMARIES),
    opts,
  );
  await seed(db);
  await migrate(db, MIGRATIONS, opts);
  return db;
}

async function expectKnownFigures(db: Database): Promise<void> {
  const report = await unitStats(db, '2026-03-01', '2026-03-31');
  expect(report.counts).toEqual({
    reported: 4,
    captured: 3,
    reviewed: 3,
    approved: 2,
    referred: 2,
    removed: 1,
  });
  expect(report.removalRate).toBe(0.5);
  expect(report.durations.reportToCapture).toEqual({ count: 3, medianSeconds: 7200, p90Seconds: 10080 });
  expect(report.durations.captureToDecision).toEqual({ count: 3, medianSeconds: 7200, p90Seconds: 10080 });
  expect(report.durations.decisionToNotice).toEqual({ count: 2, medianSeconds: 7200, p90Seconds: 10080 });
  expect(report.durations.noticeToRemoval).toEqual({ count: 1, medianSeconds: 7200, p90Seconds: 7200 });
  expect(report.byCategory).toEqual([
    { key: 'drugs', reported: 2, removed: 1 },
    { key: 'fraud', reported: 2, removed: 0 },
  ]);
  expect(report.byRecipient).toEqual([
    { key: 'Host A', referred: 1, removed: 1, refused: 0 },
    { key: 'Platform B', referred: 1, removed: 0, refused: 1 },
  ]);
  expect(report.refusalReasons).toEqual([{ key: 'not_illegal', count: 1 }]);
  expect(report.perWeek).toEqual([{ week: '2026-03-02', reported: 4, referred: 2, removed: 1 }]);
  expect(report.removalDistribution.find((b) => b.bucket === 'under_24h')?.count).toBe(1);
  expect(await unitStatsReference(db, '2026-03-01', '2026-03-31')).toEqual(report);
}

describe.each(engines)('statistics repositories on $name', (engine) => {
  it('aggregate the known figures, equal to the Node reference', async () => {
    const db = await engine.migrated();
    await seed(db);
    await expectKnownFigures(db);
  });

  it('give the same figures from summaries backfilled by the migration', async () => {
    const backups = tempDir('vigil-stats-backfill-');
    try {
      await expectKnownFigures(await seededThenMigrated(engine.open, backups.path));
    } finally {
      backups.remove();
    }
  });

  it('follow a changed category list', async () => {
    const db = await engine.migrated();
    await seed(db);
    await db.write((tx) =>
      tx.run('UPDATE resources SET categories = ? WHERE id = ?', ['["weapons","drugs"]', 'res_0000000003']),
    );
    const report = await unitStats(db, '2026-03-01', '2026-03-31');
    expect(report.byCategory).toEqual([
      { key: 'drugs', reported: 3, removed: 1 },
      { key: 'fraud', reported: 1, removed: 0 },
      { key: 'weapons', reported: 1, removed: 0 },
    ]);
    expect(await unitStatsReference(db, '2026-03-01', '2026-03-31')).toEqual(report);
  });

  it('export the DSA report and the Lumen records of the notices sent', async () => {
    const db = await engine.migrated();
    await seed(db);
    const dsa = await dsaReport(db, '2026-03-01', '2026-03-31');
    expect(dsa.notices).toBe(2);
    expect(dsa.byActionTaken).toEqual(
      expect.arrayContaining([expect.objectContaining({ count: 1 }), expect.objectContaining({ count: 1 })]),
    );
    const lumen = await lumenRecords(db, '2026-03-01', '2026-03-31');
    expect(lumen.map((r) => [r.id, r.date_sent, r.recipient_name, r.regime])).toEqual([
      ['rfl_0000000001-1', at(3), 'Host A', 'dsa-16'],
      ['rfl_0000000002-2', at(7), 'Platform B', 'tos'],
    ]);
  });
});
