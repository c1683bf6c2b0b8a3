import { describe, expect, it } from 'vitest';
import { pagesFor, pagesToKeep } from '@renderer/features/resources/page-cache';

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
