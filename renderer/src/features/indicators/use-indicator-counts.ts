import { useEffect, useRef, useState } from 'react';
import type { IndicatorCounts } from '@shared/contract/methods/indicators';
import { useClient } from '@renderer/api/api-context';

/** One call covers at most this many ids (the method's limit). */
const BATCH = 500;

/**
 * Indicator and coded-term counts for the rows a list shows: ids not yet asked for are fetched
 * together in one `indicators.counts` call, and answers are kept for the screen's lifetime (a list
 * refresh does not re-ask for rows already counted). A failed call only leaves the cells empty.
 */
export function useIndicatorCounts(ids: readonly string[]): ReadonlyMap<string, IndicatorCounts> {
  const client = useClient();
  const asked = useRef(new Set<string>());
  const [counts, setCounts] = useState<ReadonlyMap<string, IndicatorCounts>>(new Map());
  const key = ids.join(' ');
  useEffect(() => {
    const missing = key
      .split(' ')
      .filter((id) => id !== '' && !asked.current.has(id))
      .slice(0, BATCH);
    if (missing.length === 0) return;
    const pending = asked.current;
    for (const id of missing) pending.add(id);
    let live = true;
    let answered = false;
    void client.call('indicators.counts', { resourceIds: missing }).then(
      (rows) => {
        answered = true;
        if (!live) {
          for (const id of missing) pending.delete(id);
          return;
        }
        setCounts((prev) => {
          const next = new Map(prev);
          for (const r of rows) next.set(r.resourceId, r);
          return next;
        });
      },
      () => {
        for (const id of missing) pending.delete(id);
      },
    );
    return () => {
      // An answer that arrives after this is dropped, so its ids must be asked for again.
      live = false;
      if (!answered) for (const id of missing) pending.delete(id);
    };
  }, [client, key]);
  return counts;
}
