import { describe, expect, it } from 'vitest';
import type { StageTimes, StatsReferral } from '@core/db/repositories/stats-repo';
import { computeStats, removalBucket, weekOf } from '@core/stats/compute-stats';
import { quantile } from '@core/stats/percentiles';

const H = 3_600_000;
const T0 = Date.parse('2026-11-02T00:00:00.000Z'); // a Monday
const iso = (ms: number): string => new Date(ms).toISOString();

/** Five resources captured 1..5 h after their report, decided 2..10 h after, each referred and (but one) removed. */
function dataset(): { stages: StageTimes[]; events: StatsReferral[] } {
  const stages: StageTimes[] = [];
  const events: StatsReferral[] = [];
  for (let i = 1; i <= 5; i++) {
    const id = `res_${String(i).padStart(10, '0')}`;
    const decided = T0 + i * H + 2 * i * H;
    stages.push({
      resourceId: id,
      categories: JSON.stringify(i % 2 === 0 ? ['drugs'] : ['drugs', 'fraud']),
      reportedAt: iso(T0),
      capturedAt: iso(T0 + i * H),
      decidedAt: iso(decided),
      approvedAt: iso(decided),
      lastDecision: 'approve',
    });
    const sent = decided + H;
    events.push({
      referralId: `rfl_${i}`,
      resourceId: id,
      regimeId: i <= 3 ? 'dsa-16' : 'tos',
      recipientName: i <= 2 ? 'Host A' : 'Host B',
      recipientKind: 'hosting',
      sentAt: iso(sent),
      removedAt: i < 5 ? iso(sent + i * 10 * H) : null,
      refusalReason: i < 5 ? null : 'needs_court_order',
      reappeared: i === 2 ? 1 : 0,
    });
  }
  return { stages, events };
}

describe('unit statistics', () => {
  it('interpolates quantiles between ranks', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('counts each stage, times between stages with known medians, and breaks down', () => {
    const { stages, events } = dataset();
    const s = computeStats({ from: '2026-11-01', to: '2026-11-30' }, stages, events);
    expect(s.counts).toEqual({ reported: 5, captured: 5, reviewed: 5, approved: 5, referred: 5, removed: 4 });
    expect(s.removalRate).toBe(0.8);
    expect(s.reappearanceRate).toBe(0.25);
    expect(s.durations.reportToCapture).toEqual({
      count: 5,
      medianSeconds: 3 * 3600,
      p90Seconds: 4.6 * 3600,
    });
    expect(s.durations.captureToDecision.medianSeconds).toBe(6 * 3600);
    expect(s.durations.decisionToNotice).toEqual({ count: 5, medianSeconds: 3600, p90Seconds: 3600 });
    // Removals 10, 20, 30, 40 h after the notice.
    expect(s.durations.noticeToRemoval).toEqual({
      count: 4,
      medianSeconds: 25 * 3600,
      p90Seconds: 37 * 3600,
    });
    expect(s.removalDistribution).toEqual([
      { bucket: 'under_1h', count: 0 },
      { bucket: 'under_24h', count: 2 },
      { bucket: 'under_3d', count: 2 },
      { bucket: 'under_7d', count: 0 },
      { bucket: 'over_7d', count: 0 },
    ]);
    expect(s.byCategory).toEqual([
      { key: 'drugs', reported: 5, removed: 4 },
      { key: 'fraud', reported: 3, removed: 2 },
    ]);
    expect(s.byRecipient).toEqual([
      { key: 'Host B', referred: 3, removed: 2, refused: 1 },
      { key: 'Host A', referred: 2, removed: 2, refused: 0 },
    ]);
    expect(s.byRegime.map((r) => [r.key, r.referred])).toEqual([
      ['dsa-16', 3],
      ['tos', 2],
    ]);
    expect(s.refusalReasons).toEqual([{ key: 'needs_court_order', count: 1 }]);
    expect(s.perWeek[0]).toEqual({ week: '2026-11-02', reported: 5, referred: 5, removed: 4 });
  });

  it('has no rates and no medians without data', () => {
    const s = computeStats({ from: '2026-11-01', to: '2026-11-30' }, [], []);
    expect(s.removalRate).toBeNull();
    expect(s.durations.noticeToRemoval).toEqual({ count: 0, medianSeconds: null, p90Seconds: null });
    expect(weekOf('2026-11-08T23:59:59.000Z')).toBe('2026-11-02');
    expect(removalBucket(3599)).toBe('under_1h');
  });
});
