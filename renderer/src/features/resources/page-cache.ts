/** Page numbers covering rows [start, end] (inclusive) for a given page size. */
export function pagesFor(start: number, end: number, pageSize: number): number[] {
  if (end < start || pageSize <= 0) return [];
  const first = Math.floor(Math.max(0, start) / pageSize);
  const last = Math.floor(Math.max(0, end) / pageSize);
  const pages: number[] = [];
  for (let p = first; p <= last; p += 1) pages.push(p);
  return pages;
}

/** Pages far from the viewport are dropped so a long scroll session doesn't hold every row. */
export function pagesToKeep(visible: readonly number[], cached: Iterable<number>, keep: number): Set<number> {
  const center = visible.length > 0 ? (visible[0] ?? 0) : 0;
  const sorted = [...cached].sort((a, b) => Math.abs(a - center) - Math.abs(b - center));
  return new Set([...visible, ...sorted.slice(0, keep)]);
}
