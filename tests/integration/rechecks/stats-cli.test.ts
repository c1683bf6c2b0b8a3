import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsReport } from '@shared/domain/stats';
import { vigil } from '@tests/helpers/cli';
import { CHROMIUM } from '@tests/helpers/chromium';
import { tempDir } from '@tests/helpers/temp-dir';

let dir: { path: string; remove: () => void };
const v = (...args: string[]) =>
  vigil(['--data', dir.path, ...args], '', { env: { VIGIL_BROWSER: CHROMIUM } });
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  dir = tempDir();
  for (const n of [1, 2]) expect((await v('report', 'add', `https://example.org/stats-${n}`)).code).toBe(0);
});
afterAll(() => dir?.remove());

describe('vigil stats, recheck run and referral due', () => {
  it('prints the figures as text, JSON and CSV; a bad period is one line, exit 2', async () => {
    const text = await v('stats', '--from', today, '--to', today);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/reported 2 {2}captured 0/);
    const json = await v('stats', '--from', today, '--to', today, '--json');
    const report = JSON.parse(json.stdout) as StatsReport;
    expect(report.counts.reported).toBe(2);
    expect(report.removalRate).toBeNull();
    const csv = await v('stats', '--from', today, '--to', today, '--csv', join(dir.path, 'stats.csv'));
    expect(csv.code, csv.stderr).toBe(0);
    expect(readFileSync(join(dir.path, 'stats.csv'), 'utf8')).toContain('counts,reported,count,2\r\n');
    const before = await v('stats', '--from', '1999-01-01', '--to', '1999-12-31', '--json');
    expect((JSON.parse(before.stdout) as StatsReport).counts.reported).toBe(0);
    const bad = await v('stats', '--from', '2026-02-30', '--to', today);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect((await v('stats', '--from', today, '--to', '2000-01-01')).code).toBe(2);
  });

  it('has nothing to re-check or remind without referrals', async () => {
    const run = await v('recheck', 'run');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('no re-check is due');
    const due = await v('referral', 'due', '--json');
    expect(JSON.parse(due.stdout)).toEqual([]);
  });
});
