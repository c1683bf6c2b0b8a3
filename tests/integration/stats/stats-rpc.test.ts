import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '@core/backend';
import { createIntakeService } from '@core/intake/intake-service';
import type { StatsReport } from '@shared/domain/stats';
import { callAs, valueOf } from '@tests/helpers/backend-calls';
import { tempDir } from '@tests/helpers/temp-dir';

/** `stats.report` over the contract: the figures of the screen, validated input, any signed-in role. */
let dir: { path: string; remove: () => void };
let backend: Backend;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  dir = tempDir('vigil-stats-rpc-');
  backend = await createBackend({ dataDir: dir.path, env: {} });
  await backend.users.create(
    { name: 'ivan', role: 'investigator', password: 'correct horse battery' },
    'setup',
  );
  await backend.users.create({ name: 'rita', role: 'reviewer', password: 'correct horse battery' }, 'setup');
  const intake = createIntakeService(backend.workspace);
  for (const n of [1, 2, 3])
    await intake.addReport(
      { url: `https://example.org/stats-${n}`, sourceType: 'volunteer' },
      { actor: 'ivan' },
    );
});
afterAll(async () => {
  await backend?.close();
  dir?.remove();
});

describe('stats.report', () => {
  it('answers the period report to every role', async () => {
    for (const user of ['ivan', 'rita']) {
      const report = valueOf<StatsReport>(
        await callAs(backend, user, 'stats.report', { from: today, to: today }),
      );
      expect(report).toMatchObject({ from: today, to: today, removalRate: null });
      expect(report.counts).toEqual({
        reported: 3,
        captured: 0,
        reviewed: 0,
        approved: 0,
        referred: 0,
        removed: 0,
      });
      expect(report.durations.reportToCapture).toEqual({ count: 0, medianSeconds: null, p90Seconds: null });
      expect(report.perWeek.reduce((n, w) => n + w.reported, 0)).toBe(3);
    }
    const none = valueOf<StatsReport>(
      await callAs(backend, 'ivan', 'stats.report', { from: '2001-01-01', to: '2001-12-31' }),
    );
    expect(none.counts.reported).toBe(0);
  });

  it('refuses a malformed or reversed period with one clear line', async () => {
    const bad = await callAs(backend, 'ivan', 'stats.report', { from: 'yesterday', to: today });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('rpc.invalid-input');
    const reversed = await callAs(backend, 'ivan', 'stats.report', { from: today, to: '2001-01-01' });
    expect(reversed.ok).toBe(false);
    if (!reversed.ok) expect(reversed.error.message).toMatch(/before/);
  });
});
