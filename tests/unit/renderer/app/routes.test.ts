import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '@renderer/app/routes';
import type { Route } from '@renderer/app/routes';

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
