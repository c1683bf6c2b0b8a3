import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '@renderer/app/routes';
import type { Route } from '@renderer/app/routes';
import { mergeProgress } from '@renderer/features/queue/queue-merge';
import { pagesFor, pagesToKeep } from '@renderer/features/resources/page-cache';
import {
  decisionProblems,
  emptyDecisionForm,
  toDecisionFields,
} from '@renderer/features/review/decision-form-state';
import type { QueueItem } from '@shared/contract/methods/capture';

describe('routes', () => {
  it('round-trips every route through its hash', () => {
    const routes: Route[] = [
      { name: 'dashboard' },
      { name: 'intake' },
      { name: 'queue' },
      { name: 'resources' },
      { name: 'resource', id: 'res_0123456789ab' },
      { name: 'review-list' },
      { name: 'review', id: 'res_0123456789ab' },
      { name: 'export' },
      { name: 'audit' },
      { name: 'settings' },
      { name: 'search', q: 'a b&c' },
    ];
    for (const route of routes) expect(parseRoute(routeHref(route))).toEqual(route);
  });

  it('falls back safely on unknown or malformed hashes', () => {
    expect(parseRoute('#/nowhere')).toEqual({ name: 'dashboard' });
    expect(parseRoute('')).toEqual({ name: 'dashboard' });
    expect(parseRoute('#/resources/<script>')).toEqual({ name: 'resources' });
  });
});

describe('resource list paging', () => {
  it('covers the visible range with whole pages', () => {
    expect(pagesFor(0, 0, 200)).toEqual([0]);
    expect(pagesFor(190, 410, 200)).toEqual([0, 1, 2]);
    expect(pagesFor(49_990, 49_999, 200)).toEqual([249]);
    expect(pagesFor(5, 4, 200)).toEqual([]);
  });

  it('keeps the visible pages and the nearest cached ones', () => {
    const keep = pagesToKeep([50], [0, 1, 49, 51, 100, 200], 2);
    expect(keep.has(50)).toBe(true);
    expect(keep.has(49) && keep.has(51)).toBe(true);
    expect(keep.has(200)).toBe(false);
  });
});

describe('decision form', () => {
  it('an empty approval lists every required field', () => {
    const problems = decisionProblems(emptyDecisionForm('en', ''));
    expect(Object.keys(problems).sort()).toEqual(
      [
        'category',
        'explanation',
        'facts',
        'legalBasisIds',
        'measure',
        'sourceType',
        'startDate',
        'targets',
        'territorialScope',
      ].sort(),
    );
    expect(problems.facts).toBe('review.problem.required');
  });

  it('a rejection only needs a reason', () => {
    const form = { ...emptyDecisionForm('ar', 'https://x.test/'), decision: 'reject' as const };
    expect(decisionProblems(form)).toEqual({ explanation: 'review.problem.sayWhy' });
    expect(decisionProblems({ ...form, explanation: 'lawful content' })).toEqual({});
  });

  it('checks date order and ISO codes, and converts to the contract shape', () => {
    const form = {
      ...emptyDecisionForm('ru', 'https://x.test/a\n\n https://x.test/b '),
      decision: 'reject' as const,
      explanation: 'x',
      startDate: '2026-11-22',
      endDate: '2026-11-01',
      territorialScope: 'kz, RUS',
    };
    const problems = decisionProblems(form);
    expect(problems.endDate).toBe('review.problem.endBeforeStart');
    expect(problems.territorialScope).toBe('review.problem.isoCode');
    const fields = toDecisionFields(form);
    expect(fields.targets).toEqual(['https://x.test/a', 'https://x.test/b']);
    expect(fields.territorialScope).toEqual(['KZ', 'RUS']);
    expect(fields.measure).toBeNull();
    expect(fields.language).toBe('ru');
  });
});

describe('queue progress merge', () => {
  const item: QueueItem = {
    resourceId: 'res_0123456789ab' as QueueItem['resourceId'],
    url: 'https://a.test/',
    captureId: 'cap_0123456789ab' as QueueItem['captureId'],
    stage: 'navigate',
    status: 'running',
    elapsedMs: 100,
    warnings: [],
  };
  const event = {
    captureId: 'cap_0123456789ab',
    resourceId: 'res_0123456789ab',
    url: 'https://a.test/',
    stage: 'snapshot' as const,
    status: 'running' as const,
    elapsedMs: 900,
    warnings: [{ code: 'w', message: 'm' }],
  };

  it('applies a newer event for the same capture', () => {
    const [merged] = mergeProgress([item], new Map([[event.resourceId, event]]));
    expect(merged?.stage).toBe('snapshot');
    expect(merged?.warnings).toHaveLength(1);
  });

  it('keeps a snapshot that is newer than the event', () => {
    const [merged] = mergeProgress([{ ...item, elapsedMs: 2000 }], new Map([[event.resourceId, event]]));
    expect(merged?.stage).toBe('navigate');
  });

  it('appends resources known only from events', () => {
    const other = { ...event, resourceId: 'res_zzzzzzzzzzzz', captureId: 'cap_zzzzzzzzzzzz' };
    expect(mergeProgress([item], new Map([[other.resourceId, other]]))).toHaveLength(2);
  });
});
